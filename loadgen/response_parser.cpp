#include "loadgen/response_parser.hpp"
#include "base/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace faultline::loadgen {

namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr std::size_t kMaxLineBytes = 4096;

// A header line's content: without its line end, then without the OWS around it.
std::string_view line_content(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return trim(line);
}

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The last coding of a Transfer-Encoding value is "chunked".
bool last_coding_is_chunked(std::string_view value) {
  const std::size_t comma = value.rfind(',');
  return iequals(trim(comma == std::string_view::npos ? value : value.substr(comma + 1)),
                 "chunked");
}

// `name` equals the lower-case `lower` ignoring case. Setting bit 0x20 lower-cases a letter;
// '-' is compared as it is, since CR (0x0d) with that bit set would pass for one.
bool equals_lowercase(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char folded = lower[i] == '-' ? name[i] : static_cast<char>(name[i] | 0x20);
    if (folded != lower[i]) return false;
  }
  return true;
}

enum class FieldName { other, content_length, transfer_encoding, connection };

FieldName classify(std::string_view name) {
  switch (name.size()) {
    case 14:
      return equals_lowercase(name, "content-length") ? FieldName::content_length
                                                      : FieldName::other;
    case 17:
      return equals_lowercase(name, "transfer-encoding") ? FieldName::transfer_encoding
                                                         : FieldName::other;
    case 10:
      return equals_lowercase(name, "connection") ? FieldName::connection : FieldName::other;
    default:
      return FieldName::other;
  }
}

}  // namespace

void ResponseParser::reset(bool head_request) {
  state_ = State::head;
  head_request_ = head_request;
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
  consumed_ = 0;
  head_.clear();
  line_.clear();
  error_.clear();
}

ResponseParser::Result ResponseParser::fail(std::string message) {
  error_ = std::move(message);
  keep_alive_ = false;
  return Result::error;
}

ResponseParser::Result ResponseParser::parse_head(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT SP reason
  const std::size_t line_end = head.find('\n');
  std::string_view status_line = line_content(head.substr(0, line_end));
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ')
    return fail("bad status line");
  const bool http10 = status_line[7] == '0';
  int status = 0;
  auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc{} || end != status_line.data() + 12 || status < 100 || status > 999)
    return fail("bad status code");
  status_ = status;
  keep_alive_ = !http10;

  bool chunked = false;
  bool saw_transfer_encoding = false;
  bool has_length = false;
  std::uint64_t length = 0;
  std::string_view fields = line_end == std::string_view::npos ? "" : head.substr(line_end + 1);
  while (!fields.empty()) {
    const std::size_t eol = fields.find('\n');
    std::string_view field = fields.substr(0, eol);
    fields = eol == std::string_view::npos ? "" : fields.substr(eol + 1);
    if (field.empty() || field == "\r") break;
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) return fail("header field without ':'");
    // Field names carry no whitespace (RFC 9112 §5.1); only three names matter here, so
    // most fields are dismissed by their length alone.
    const std::string_view name = field.substr(0, colon);
    const FieldName which = classify(name);
    if (which == FieldName::other) continue;
    const std::string_view value = line_content(field.substr(colon + 1));
    if (which == FieldName::content_length) {
      std::uint64_t n = 0;
      auto [vend, vec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (vec != std::errc{} || vend != value.data() + value.size() || value.empty())
        return fail("bad Content-Length");
      if (has_length && n != length) return fail("conflicting Content-Length");
      has_length = true;
      length = n;
    } else if (which == FieldName::transfer_encoding) {
      saw_transfer_encoding = true;
      chunked = last_coding_is_chunked(value);
      if (!chunked) keep_alive_ = false;  // the body ends at close (RFC 9112 §6.3 item 4)
    } else {
      if (has_token(value, "close"))
        keep_alive_ = false;
      else if (http10 && has_token(value, "keep-alive"))
        keep_alive_ = true;
    }
  }

  // RFC 9112 §6.3: both framings at once may be response splitting; refuse the message.
  if (has_length && saw_transfer_encoding) return fail("both Transfer-Encoding and Content-Length");

  if (status_ < 200) {  // an interim response: the real one follows
    state_ = State::head;
    return Result::need_more;
  }
  if (head_request_ || status_ == 204 || status_ == 304) {
    state_ = State::done;
  } else if (chunked) {
    state_ = State::chunk_size;
  } else if (has_length) {
    remaining_ = length;
    state_ = length == 0 ? State::done : State::body_length;
  } else {
    keep_alive_ = false;
    state_ = State::body_until_close;
  }
  return Result::need_more;
}

bool ResponseParser::take_line(const char*& p, const char* end) {
  const char* nl =
      static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
  const char* stop = nl ? nl + 1 : end;
  line_.append(p, stop);
  p = stop;
  return nl != nullptr;
}

ResponseParser::Result ResponseParser::feed(const char* data, std::size_t size) {
  const char* p = data;
  const char* const end = data + size;
  while (p < end || state_ == State::done) {
    switch (state_) {
      case State::head: {
        // Fast path: the whole head is in this read, parse it in place.
        std::string_view available(p, static_cast<std::size_t>(end - p));
        std::size_t head_end;
        if (head_.empty() && (head_end = available.find("\r\n\r\n")) != std::string_view::npos) {
          p += head_end + 4;
          consumed_ += head_end + 4;
          if (parse_head(available.substr(0, head_end + 2)) == Result::error) return Result::error;
          break;
        }
        // Slow path: gather the head across reads.
        const std::size_t before = head_.size();
        head_.append(available);
        const std::size_t search_from = before >= 3 ? before - 3 : 0;
        const std::size_t found = head_.find("\r\n\r\n", search_from);
        if (found == std::string::npos) {
          if (head_.size() > kMaxHeadBytes) return fail("response head too large");
          consumed_ += available.size();
          return Result::need_more;
        }
        const std::size_t used = found + 4 - before;
        p += used;
        consumed_ += used;
        std::string head = std::move(head_);
        head_.clear();
        if (parse_head(std::string_view(head).substr(0, found + 2)) == Result::error)
          return Result::error;
        break;
      }
      case State::body_length: {
        const std::uint64_t take =
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p));
        p += take;
        consumed_ += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::done;
        break;
      }
      case State::body_until_close:
        consumed_ += static_cast<std::size_t>(end - p);
        p = end;
        break;
      case State::chunk_size: {
        const char* start = p;
        const bool whole = take_line(p, end);
        consumed_ += static_cast<std::size_t>(p - start);
        if (!whole) {
          if (line_.size() > kMaxLineBytes) return fail("chunk size line too long");
          return Result::need_more;
        }
        std::string_view size_text =
            line_content(std::string_view(line_).substr(0, line_.find(';')));
        std::uint64_t chunk = 0;
        auto [cend, cec] =
            std::from_chars(size_text.data(), size_text.data() + size_text.size(), chunk, 16);
        if (cec != std::errc{} || cend != size_text.data() + size_text.size() || size_text.empty())
          return fail("bad chunk size");
        line_.clear();
        remaining_ = chunk;
        state_ = chunk == 0 ? State::trailers : State::chunk_data;
        break;
      }
      case State::chunk_data: {
        const std::uint64_t take =
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(end - p));
        p += take;
        consumed_ += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::chunk_data_end;
        break;
      }
      case State::chunk_data_end:
      case State::trailers: {
        const char* start = p;
        const bool whole = take_line(p, end);
        consumed_ += static_cast<std::size_t>(p - start);
        if (!whole) {
          if (line_.size() > kMaxLineBytes) return fail("chunk trailer too long");
          return Result::need_more;
        }
        const bool empty = line_content(line_).empty();
        line_.clear();
        if (state_ == State::chunk_data_end) {
          if (!empty) return fail("chunk data not followed by CRLF");
          state_ = State::chunk_size;
        } else if (empty) {
          state_ = State::done;
        }
        break;
      }
      case State::done:
        return Result::done;
    }
  }
  return Result::need_more;
}

ResponseParser::Result ResponseParser::feed_eof() {
  if (state_ == State::done) return Result::done;
  if (state_ == State::body_until_close) {
    state_ = State::done;
    return Result::done;
  }
  return fail(state_ == State::head && consumed_ == 0 ? "connection closed before a response"
                                                      : "connection closed inside a response");
}

}  // namespace faultline::loadgen
