#include "http/body_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace faultline::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A chunk size of more than 15 hex digits (2^60 bytes) is not a size anyone means.
constexpr unsigned kMaxSizeDigits = 15;

}  // namespace

BodyDecoder::BodyDecoder(BodyFraming framing, std::uint64_t content_length, std::size_t line_limit)
    : framing_(framing), line_limit_(line_limit) {
  switch (framing) {
    case BodyFraming::none:
      state_ = State::done;
      break;
    case BodyFraming::length:
      remaining_ = content_length;
      state_ = content_length == 0 ? State::done : State::length;
      break;
    case BodyFraming::chunked:
      state_ = State::size;
      break;
    case BodyFraming::until_close:
      state_ = State::until_close;
      break;
  }
}

bool BodyDecoder::fail(std::string_view reason) {
  state_ = State::failed;
  error_ = reason;
  return false;
}

// Size lines and the trailer section count towards line_limit_.
bool BodyDecoder::count_line_byte() {
  if (++line_bytes_ <= line_limit_) return true;
  return fail(state_ == State::trailer_line || state_ == State::trailer_start ||
                      state_ == State::trailer_lf || state_ == State::final_lf
                  ? "trailer section larger than max_header_bytes"
                  : "chunk-size line larger than max_header_bytes");
}

void BodyDecoder::skip(std::uint64_t size) {
  if (state_ != State::length) return;
  remaining_ -= std::min(remaining_, size);
  if (remaining_ == 0) state_ = State::done;
}

BodyDecoder::Step BodyDecoder::decode(char* buffer, std::size_t size) {
  Step step;
  if (state_ == State::length) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size));
    remaining_ -= take;
    if (remaining_ == 0) state_ = State::done;
    return Step{take, take};
  }
  if (state_ == State::until_close) return Step{size, size};

  std::size_t in = 0, out = 0;
  while (in < size && state_ != State::done && state_ != State::failed) {
    const char c = buffer[in];
    switch (state_) {
      case State::size: {
        const int digit = hex_value(c);
        if (digit >= 0) {
          if (++size_digits_ > kMaxSizeDigits) {
            fail("chunk size too large");
            break;
          }
          remaining_ = remaining_ * 16 + static_cast<unsigned>(digit);
          if (count_line_byte()) ++in;
          break;
        }
        if (size_digits_ == 0) {
          fail("malformed chunk size");
          break;
        }
        state_ = State::size_tail;
        break;  // the same byte again, in size_tail
      }
      case State::size_tail:
        // Only whitespace may follow the size before ';' (BWS): "0x5" is not a size of 5,
        // nor a last chunk followed by whatever the peer meant as its data.
        if (c == '\r') {
          state_ = State::size_lf;
          ++in;
        } else if (c != ' ' && c != '\t' && c != ';') {
          fail("malformed chunk-size line");
        } else if (count_line_byte()) {
          ++in;
          if (c == ';') state_ = State::extension;
        }
        break;
      case State::extension:
        if (c == '\r') {
          state_ = State::size_lf;
          ++in;
        } else if (c == '\n' || (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
          fail("malformed chunk-size line");
        } else if (count_line_byte()) {
          ++in;
        }
        break;
      case State::size_lf:
        if (c != '\n') {
          fail("chunk-size line without CRLF");
          break;
        }
        ++in;
        line_bytes_ = 0;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? State::trailer_start : State::data;
        break;
      case State::data: {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - in));
        if (out != in) std::memmove(buffer + out, buffer + in, take);
        out += take;
        in += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::data_cr;
        break;
      }
      case State::data_cr:
        if (c != '\r') {
          fail("chunk data not followed by CRLF");
          break;
        }
        ++in;
        state_ = State::data_lf;
        break;
      case State::data_lf:
        if (c != '\n') {
          fail("chunk data not followed by CRLF");
          break;
        }
        ++in;
        state_ = State::size;
        break;
      case State::trailer_start:
        if (c == '\r') {
          if (count_line_byte()) {
            ++in;
            state_ = State::final_lf;
          }
        } else if (c == '\n') {
          fail("a trailer line ends in a bare LF");
        } else {
          state_ = State::trailer_line;
        }
        break;
      case State::trailer_line:
        if (c == '\n' || c == '\0') {
          fail("malformed trailer line");
        } else if (count_line_byte()) {
          ++in;
          if (c == '\r') state_ = State::trailer_lf;
        }
        break;
      case State::trailer_lf:
        if (c != '\n') {
          fail("a bare CR in a trailer line");
          break;
        }
        if (count_line_byte()) {
          ++in;
          state_ = State::trailer_start;
        }
        break;
      case State::final_lf:
        if (c != '\n') {
          fail("the trailer section does not end in CRLF");
          break;
        }
        ++in;
        state_ = State::done;
        break;
      case State::length:
      case State::until_close:
      case State::done:
      case State::failed:
        break;
    }
  }
  step.consumed = in;
  step.data = out;
  return step;
}

void BodyDecoder::end_of_input() {
  if (state_ == State::until_close) {
    state_ = State::done;
  } else if (state_ != State::done && state_ != State::failed) {
    fail("the connection closed before the end of the body");
  }
}

}  // namespace faultline::http
