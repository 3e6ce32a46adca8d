#include "proxy/message_writer.hpp"

#include <charconv>

namespace faultline::proxy {

namespace beast_http = boost::beast::http;

namespace {

void append_field(std::string_view name, std::string_view value, std::string& out) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void append_framing(const Framing& framing, std::string& out) {
  if (framing.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (framing.content_length) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *framing.content_length);
    append_field("Content-Length", std::string_view(digits, end - digits), out);
  }
}

bool is_framing(beast_http::field name) {
  return name == beast_http::field::content_length || name == beast_http::field::transfer_encoding;
}

}  // namespace

void write_request_head(const RequestHeader& head, std::string_view target,
                        const ForwardingInfo& forwarding, const Framing& framing,
                        std::string& out) {
  const HopByHopFilter hop_by_hop(head);
  const ForwardingFields added = forwarding_fields(head, hop_by_hop, forwarding);
  out.clear();
  out += head.method_string();
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  for (const auto& field : head) {
    const auto name = field.name();
    if (is_framing(name) || hop_by_hop.is_hop_by_hop(field) || name == beast_http::field::via)
      continue;
    if (name == beast_http::field::unknown &&
        boost::beast::iequals(field.name_string(), "X-Forwarded-For")) {
      continue;
    }
    append_field(field.name_string(), field.value(), out);
  }
  if (head.find(beast_http::field::host) == head.end() && !forwarding.host_if_missing.empty()) {
    append_field("Host", forwarding.host_if_missing, out);
  }
  append_field("X-Forwarded-For", added.x_forwarded_for, out);
  if (!added.x_forwarded_proto.empty()) {
    append_field("X-Forwarded-Proto", added.x_forwarded_proto, out);
  }
  if (!added.x_forwarded_host.empty()) {
    append_field("X-Forwarded-Host", added.x_forwarded_host, out);
  }
  append_field("Via", added.via, out);
  append_framing(framing, out);
  out += "\r\n";
}

void write_response_head(const ResponseHeader& head, const Framing& framing,
                         ConnectionDirective connection, std::string& out,
                         std::string_view injected) {
  const HopByHopFilter hop_by_hop(head);
  out.clear();
  // Always three digits: an upstream's "010" is a status Beast reads as 10, and to_chars
  // would leave the third character unwritten.
  const unsigned code = head.result_int() % 1000;
  const char status[3] = {static_cast<char>('0' + code / 100),
                          static_cast<char>('0' + code / 10 % 10),
                          static_cast<char>('0' + code % 10)};
  out += "HTTP/1.1 ";
  out.append(status, 3);
  out += ' ';
  // Beast's reason() falls back to the standard phrase, and to "<unknown-status>" for
  // codes it does not know: an empty reason phrase is valid (RFC 9112 §4), send that.
  const std::string_view reason = head.reason();
  if (reason != "<unknown-status>") out += reason;
  out += "\r\n";
  for (const auto& field : head) {
    const auto name = field.name();
    if (is_framing(name) || hop_by_hop.is_hop_by_hop(field) || name == beast_http::field::via)
      continue;
    append_field(field.name_string(), field.value(), out);
  }
  append_field("Via", appended_via(head, hop_by_hop, head.version()), out);
  if (!injected.empty()) append_field("x-faultline-injected", injected, out);
  append_framing(framing, out);
  if (connection == ConnectionDirective::close) out += "Connection: close\r\n";
  if (connection == ConnectionDirective::keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
}

std::size_t BodyFramer::frame(std::string_view piece, bool last, Buffers& out, std::size_t count) {
  static constexpr std::string_view kCrlf = "\r\n";
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  if (!chunked_) {
    if (!piece.empty()) out[count++] = boost::asio::buffer(piece.data(), piece.size());
    return count;
  }
  if (!piece.empty()) {
    auto [end, ec] =
        std::to_chars(size_line_, size_line_ + sizeof size_line_ - 2, piece.size(), 16);
    *end++ = '\r';
    *end++ = '\n';
    out[count++] = boost::asio::buffer(size_line_, static_cast<std::size_t>(end - size_line_));
    out[count++] = boost::asio::buffer(piece.data(), piece.size());
    out[count++] = boost::asio::buffer(kCrlf.data(), kCrlf.size());
  }
  if (last) out[count++] = boost::asio::buffer(kLastChunk.data(), kLastChunk.size());
  return count;
}

}  // namespace faultline::proxy
