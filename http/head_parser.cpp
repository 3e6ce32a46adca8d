#include "http/head_parser.hpp"

#include <cstring>

#include "base/text.hpp"

namespace faultline::http {

namespace {

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

HeadError bad(std::string reason) {
  return HeadError{400, std::move(reason)};
}

// "HTTP/1.1" -> 11, "HTTP/1.0" -> 10; a later 1.x is read as 1.1 (RFC 9110 §2.5).
std::optional<unsigned> parse_version(std::string_view text) {
  if (text.size() != 8 || !text.starts_with("HTTP/") || text[6] != '.') return std::nullopt;
  const char major = text[5], minor = text[7];
  if (major != '1' || minor < '0' || minor > '9') return std::nullopt;
  return minor == '0' ? 10u : 11u;
}

std::optional<HeadError> parse_start_line(std::string_view line, HeadKind kind, ParsedHead& out) {
  if (kind == HeadKind::request) {
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == last)
      return bad("malformed request line '" + excerpt(line) + "'");
    out.method = line.substr(0, first);
    out.target = line.substr(first + 1, last - first - 1);
    if (!is_token(out.method)) return bad("malformed method '" + excerpt(out.method) + "'");
    if (out.target.empty() || out.target.find_first_of(" \t") != std::string_view::npos ||
        has_control_character(out.target, true))
      return bad("malformed request target '" + excerpt(out.target) + "'");
    const auto version = parse_version(line.substr(last + 1));
    if (!version) {
      if (line.substr(last + 1).starts_with("HTTP/"))
        return HeadError{505, "HTTP version '" + excerpt(line.substr(last + 1)) +
                                  "' is not supported (HTTP/1.0 and HTTP/1.1 are)"};
      return bad("malformed request line '" + excerpt(line) + "'");
    }
    out.version = *version;
    return std::nullopt;
  }
  const auto version = parse_version(line.substr(0, 8));
  if (!version || line.size() < 12 || line[8] != ' ')
    return bad("malformed status line '" + excerpt(line) + "'");
  const std::string_view code = line.substr(9, 3);
  for (char c : code)
    if (c < '0' || c > '9') return bad("malformed status code '" + excerpt(code) + "'");
  if (line.size() > 12 && line[12] != ' ')
    return bad("malformed status line '" + excerpt(line) + "'");
  out.version = *version;
  out.status =
      static_cast<unsigned>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  out.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  if (out.status < 100 || has_control_character(out.reason, true))
    return bad("malformed status line '" + excerpt(line) + "'");
  return std::nullopt;
}

// Content-Length: one or more fields, each a list; all values must be the same number
// (RFC 9110 §8.6 lets a recipient read equal values as one).
std::optional<HeadError> add_content_length(std::string_view value,
                                            std::optional<std::uint64_t>& length) {
  while (true) {
    const auto comma = value.find(',');
    const std::string_view element = trim(value.substr(0, comma));
    if (element.empty() || element.size() > 18 ||
        element.find_first_not_of("0123456789") != std::string_view::npos)
      return bad("invalid Content-Length '" + excerpt(element) + "'");
    std::uint64_t number = 0;
    for (char c : element) number = number * 10 + static_cast<std::uint64_t>(c - '0');
    if (length && *length != number) return bad("differing Content-Length values");
    length = number;
    if (comma == std::string_view::npos) return std::nullopt;
    value.remove_prefix(comma + 1);
  }
}

void add_list_elements(std::string_view value, std::vector<std::string>& out) {
  for_each_list_element(value, [&out](std::string_view element) {
    // A transfer coding's parameters (";q=...") do not change what it is.
    const std::string_view name = trim(element.substr(0, element.find(';')));
    if (!name.empty()) out.push_back(lowercase(name));
  });
}

// RFC 9112 §6.1, §6.3: what Transfer-Encoding means for the framing.
std::optional<HeadError> check_codings(const std::vector<std::string>& codings, HeadKind kind) {
  const std::string list = joined(codings, ", ");
  if (kind == HeadKind::response) {
    if (codings.size() == 1 && codings[0] == "chunked") return std::nullopt;
    return bad("transfer coding '" + excerpt(list) + "' is not relayed (only chunked is)");
  }
  if (codings.empty() || codings.back() != "chunked")
    return bad("Transfer-Encoding '" + excerpt(list) + "' does not end in chunked");
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (codings[i] == "chunked") return bad("chunked applied more than once");
    return HeadError{501, "transfer coding '" + excerpt(codings[i]) + "' is not supported"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> ParsedHead::field(std::string_view name) const {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return f.value;
  return std::nullopt;
}

std::size_t find_head_end(std::string_view buffered, std::size_t scanned) {
  std::size_t start = 0;
  // RFC 9112 §2.2: empty lines before a request line are ignored.
  while (buffered.substr(start, 2) == "\r\n") start += 2;
  std::size_t at = scanned > start + 2 ? scanned - 2 : start;
  while (at < buffered.size()) {
    const void* found = std::memchr(buffered.data() + at, '\n', buffered.size() - at);
    if (found == nullptr) return std::string_view::npos;
    const std::size_t lf =
        static_cast<std::size_t>(static_cast<const char*>(found) - buffered.data());
    if (lf + 1 < buffered.size() && buffered[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < buffered.size() && buffered[lf + 1] == '\r' && buffered[lf + 2] == '\n')
      return lf + 3;
    at = lf + 1;
  }
  return std::string_view::npos;
}

HeadResult parse_head(std::string_view head, HeadKind kind) {
  while (head.starts_with("\r\n")) head.remove_prefix(2);
  ParsedHead out;
  std::optional<std::uint64_t> content_length;
  std::vector<std::string> codings;
  bool transfer_encoding = false, close = false, keep_alive_token = false;
  int hosts = 0;
  bool first_line = true, ended = false;
  while (!head.empty()) {
    const auto lf = head.find('\n');
    if (lf == std::string_view::npos) return bad("the head does not end in an empty line");
    if (lf == 0 || head[lf - 1] != '\r') return bad("a line of the head ends in a bare LF");
    const std::string_view line = head.substr(0, lf - 1);
    head.remove_prefix(lf + 1);
    if (line.find('\r') != std::string_view::npos) return bad("a bare CR in the head");
    if (first_line) {
      if (auto error = parse_start_line(line, kind, out)) return *error;
      first_line = false;
      continue;
    }
    if (line.empty()) {  // the end of the head
      ended = true;
      break;
    }
    if (is_ows(line.front()))
      return bad("obs-fold (a field line starting with whitespace) is not accepted");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return bad("field line without a colon '" + excerpt(line) + "'");
    const std::string_view name = line.substr(0, colon);
    if (!name.empty() && is_ows(name.back()))
      return bad("whitespace before the colon in field '" + excerpt(trim(name)) + "'");
    if (!is_token(name)) return bad("invalid field name '" + excerpt(name) + "'");
    const std::string_view value = trim(line.substr(colon + 1));
    if (has_control_character(value, true))
      return bad("a control character in field '" + excerpt(name) + "'");
    out.fields.push_back({name, value});
    if (iequals(name, "host")) {
      if (++hosts > 1) return bad("more than one Host field");
    } else if (iequals(name, "content-length")) {
      if (auto error = add_content_length(value, content_length)) return *error;
    } else if (iequals(name, "transfer-encoding")) {
      transfer_encoding = true;
      add_list_elements(value, codings);
    } else if (iequals(name, "connection")) {
      for_each_list_element(value, [&](std::string_view option) {
        close = close || iequals(option, "close");
        keep_alive_token = keep_alive_token || iequals(option, "keep-alive");
      });
    }
  }
  if (first_line) return bad("empty head");
  if (!ended) return bad("the head does not end in an empty line");
  out.has_host = hosts == 1;
  out.keep_alive = !close && (out.version >= 11 || keep_alive_token);
  if (transfer_encoding) {
    if (content_length) return bad("Transfer-Encoding with Content-Length");
    if (auto error = check_codings(codings, kind)) return *error;
    out.framing = BodyFraming::chunked;
    out.close_after = out.version < 11;
  } else if (content_length) {
    out.framing = BodyFraming::length;
    out.content_length = *content_length;
  } else {
    out.framing = kind == HeadKind::request ? BodyFraming::none : BodyFraming::until_close;
  }
  return out;
}

}  // namespace faultline::http
