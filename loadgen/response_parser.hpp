// An incremental HTTP/1.1 response parser for the load generator: it finds the status,
// whether the connection stays open and where the response ends (Content-Length, chunked
// or close-delimited, RFC 9112 §6.3), and skips the body without copying it. That is all
// a load generator needs, and doing only that keeps the per-request cost at a few hundred
// instructions (Beast's full parser stores every header field).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::loadgen {

class ResponseParser {
 public:
  enum class Result { need_more, done, error };

  // Starts a new response. `head_request`: the response has no body (RFC 9112 §6.3).
  void reset(bool head_request = false);

  // Consumes bytes of the response; returns done when the response is complete (the
  // number of bytes that belonged to it is in consumed()), error on bad framing.
  Result feed(const char* data, std::size_t size);
  // The peer closed the connection: done when the body was close-delimited.
  Result feed_eof();

  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  std::size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

 private:
  enum class State {
    head,
    body_length,
    body_until_close,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    done
  };

  Result fail(std::string message);
  Result parse_head(std::string_view head);
  // Consumes one line ending in LF from data into line_ (across calls); true when whole.
  bool take_line(const char*& p, const char* end);

  State state_ = State::head;
  bool head_request_ = false;
  int status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to skip
  std::size_t consumed_ = 0;
  std::string head_;  // the head so far, kept only when it spans reads
  std::string line_;  // a chunk-size or trailer line spanning reads
  std::string error_;
};

}  // namespace faultline::loadgen
