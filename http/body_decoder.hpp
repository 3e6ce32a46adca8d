// Reads a message body off the wire as it arrives (RFC 9112 §6, §7.1): pure, no I/O, no
// allocation. decode() takes the bytes just read and moves the body data they hold to the
// front of the same buffer, so a relay reads into one buffer and writes from it with no
// copy and no second buffer. Chunk-size lines (extensions included) and the trailer section
// are counted as they pass and refused beyond `line_limit` bytes: nothing is buffered for
// them, so a hostile peer cannot grow memory with an endless extension or trailer.
// Trailer fields are dropped (RFC 9110 §6.5.1 allows it when the chunked coding is removed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/head_parser.hpp"

namespace faultline::http {

class BodyDecoder {
 public:
  struct Step {
    std::size_t consumed = 0;  // input bytes used; the rest belongs to the next message
    std::size_t data = 0;      // body bytes now at the front of the buffer
  };

  BodyDecoder() = default;  // no body
  BodyDecoder(BodyFraming framing, std::uint64_t content_length, std::size_t line_limit);

  Step decode(char* buffer, std::size_t size);

  // The peer closed the connection: the end of an until-close body, an error otherwise.
  void end_of_input();

  bool done() const { return state_ == State::done; }
  bool failed() const { return state_ == State::failed; }
  std::string_view error() const { return error_; }
  BodyFraming framing() const { return framing_; }
  // For a sized body: what is still to come (reads need not ask for more).
  std::uint64_t remaining() const { return remaining_; }
  // For a sized body: counts `size` (at most remaining()) body bytes that went from socket
  // to socket without passing through decode (spliced).
  void skip(std::uint64_t size);

 private:
  enum class State {
    length,
    until_close,
    size,       // hex digits of a chunk size
    size_tail,  // after the digits: whitespace, then an extension or CR
    extension,  // from ';' up to CR (chunk-ext, RFC 9112 §7.1.1): counted, never kept
    size_lf,    // the LF of the size line
    data,       // chunk data; remaining_ bytes left
    data_cr,
    data_lf,
    trailer_start,  // at the start of a trailer line (or the final empty line)
    trailer_line,
    trailer_lf,
    final_lf,
    done,
    failed,
  };

  bool fail(std::string_view reason);
  bool count_line_byte();

  BodyFraming framing_ = BodyFraming::none;
  State state_ = State::done;
  std::uint64_t remaining_ = 0;
  std::size_t line_limit_ = 0;
  std::size_t line_bytes_ = 0;  // of the current size line, or of the whole trailer section
  unsigned size_digits_ = 0;
  std::string_view error_;
};

}  // namespace faultline::http
