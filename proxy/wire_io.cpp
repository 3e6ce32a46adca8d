#include "proxy/wire_io.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>

#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kHeadReadSize = 4096;

std::string_view view_of(const boost::beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

// Holds a slot deadline for the whole of a multi-read operation.
class DeadlineScope {
 public:
  DeadlineScope(Clock::time_point& deadline, Clock::time_point until) : deadline_(deadline) {
    deadline_ = until;
  }
  ~DeadlineScope() { deadline_ = Clock::time_point::max(); }
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

 private:
  Clock::time_point& deadline_;
};

}  // namespace

asio::awaitable<HeadRead> read_head(net::ByteStream& stream, boost::beast::flat_buffer& buffer,
                                    std::size_t limit, Clock::time_point& deadline,
                                    Clock::time_point until, bool answer) {
  HeadRead result;
  std::size_t scanned = 0;
  // One deadline for the whole head (a client dribbling a byte at a time gets no more
  // time); a relay may move it meanwhile (the upload a response waits for).
  const DeadlineScope scope(deadline, until);
  for (;;) {
    const std::string_view buffered = view_of(buffer);
    // Only the first `limit` bytes may hold the head; what follows it may be its body.
    const std::string_view window = buffered.substr(0, limit);
    const std::size_t end = http::find_head_end(window, scanned);
    if (end != std::string_view::npos) {
      result.size = end;
      co_return result;
    }
    if (buffered.size() >= limit) {
      result.too_large = true;
      co_return result;
    }
    scanned = buffered.size();
    const std::size_t want =
        std::min(buffered.empty() ? kFirstHeadRead : kHeadReadSize, limit - buffered.size());
    net::ByteStream::Result outcome;
    if (answer && buffered.empty()) {
      outcome = co_await stream.read_answer(buffer.prepare(want));
    } else {
      outcome = co_await stream.read_some(buffer.prepare(want));
    }
    const auto [ec, n] = outcome;
    if (ec) {
      result.error = ec;
      co_return result;
    }
    buffer.commit(n);
  }
}

asio::awaitable<BodyPiece> read_body_piece(net::ByteStream& stream,
                                           boost::beast::flat_buffer& buffered,
                                           http::BodyDecoder& decoder, BorrowedBuffer& relay,
                                           std::size_t capacity, Clock::time_point& deadline,
                                           Clock::duration timeout) {
  BodyPiece piece;
  while (!decoder.done()) {
    if (buffered.size() != 0) {
      // Decoded where it lies: the head's read brought it, no copy is needed.
      char* start = static_cast<char*>(buffered.data().data());
      const auto step = decoder.decode(start, std::min(capacity, buffered.size()));
      if (decoder.failed()) {
        piece.framing_error = decoder.error();
        co_return piece;
      }
      if (step.data == 0 && !decoder.done()) {
        buffered.consume(step.consumed);  // only framing (a chunk-size line): on to the next
        continue;
      }
      piece.data = start;
      piece.size = step.data;
      piece.buffered_bytes = step.consumed;
      break;
    }
    std::size_t want = capacity;
    if (decoder.framing() == http::BodyFraming::length) {
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, decoder.remaining()));
    }
    char* destination = relay.data();
    auto [ec, n] = co_await OperationDeadline(deadline, timeout)
                       .around(stream.read_some(asio::buffer(destination, want)));
    // A TLS peer that closes without close_notify ends the stream as a plain one would:
    // only a body delimited by the close can end so, and many servers never send one.
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      ec = asio::error::eof;
      decoder.end_of_input();
      if (decoder.done()) break;
    }
    if (ec) {
      piece.error = ec;
      co_return piece;
    }
    const auto step = decoder.decode(destination, n);
    if (step.consumed < n) {
      // The start of the next message, read along with the end of this body.
      const std::size_t rest = n - step.consumed;
      asio::buffer_copy(buffered.prepare(rest), asio::buffer(destination + step.consumed, rest));
      buffered.commit(rest);
    }
    if (decoder.failed()) {
      piece.framing_error = decoder.error();
      co_return piece;
    }
    if (step.data != 0 || decoder.done()) {
      piece.data = destination;
      piece.size = step.data;
      break;
    }
  }
  piece.last = decoder.done();
  co_return piece;
}

}  // namespace faultline::proxy
