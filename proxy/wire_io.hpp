// Reading messages off a socket through the HTTP/1.1 rules of http/ (head_parser,
// body_decoder): a head, bounded in size and in time as a whole, and body pieces read
// straight into the caller's relay buffer, each read under its own (stall) deadline.
// Included only by the session's translation units.
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include "net/byte_stream.hpp"

#include "http/body_decoder.hpp"
#include "http/head_parser.hpp"
#include "proxy/session_io.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {

// A head read asks for this much at first (most heads are a few hundred bytes: 9,000
// waiting connections hold 512 bytes each, not 4 KiB), then for more as a long head needs it.
inline constexpr std::size_t kFirstHeadRead = 512;

struct HeadRead {
  boost::system::error_code error;  // the socket's, or timed_out
  std::size_t size = 0;             // of the head at the start of the buffer, when complete
  bool too_large = false;           // no end of head within `limit` bytes
};

// Reads until `buffer` starts with a complete head of at most `limit` bytes (the request or
// status line through the empty line). `deadline` is the slot's deadline for this socket,
// set to `until` for the whole head. With `answer`, the head answers a request just sent,
// and the first read is the stream's read_answer.
boost::asio::awaitable<HeadRead> read_head(net::ByteStream& stream,
                                           boost::beast::flat_buffer& buffer, std::size_t limit,
                                           Clock::time_point& deadline, Clock::time_point until,
                                           bool answer = false);

struct BodyPiece {
  boost::system::error_code error;  // the socket's (eof before the end included)
  std::string_view framing_error;   // the body broke the rules (chunk syntax, limits)
  char* data = nullptr;             // the piece's body bytes (writable: faults edit in place)
  std::size_t size = 0;
  bool last = false;  // the body is complete
  // How many bytes at the front of `buffered` the piece was decoded from: consume them once
  // `data` is no longer needed (it may point into `buffered`).
  std::size_t buffered_bytes = 0;
};

// The next piece of body, at most `capacity` bytes: decoded in place from `buffered` (bytes
// read past the head) while it has any, else read from the socket straight into `relay`
// (taken only then). Bytes past the body's end stay in `buffered` for the next message.
// `timeout` bounds this one read: a stall, not the body.
boost::asio::awaitable<BodyPiece> read_body_piece(net::ByteStream& stream,
                                                  boost::beast::flat_buffer& buffered,
                                                  http::BodyDecoder& decoder, BorrowedBuffer& relay,
                                                  std::size_t capacity, Clock::time_point& deadline,
                                                  Clock::duration timeout);

}  // namespace faultline::proxy
