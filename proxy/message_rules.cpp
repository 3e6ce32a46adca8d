#include "proxy/message_rules.hpp"

#include <variant>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "base/text.hpp"

namespace faultline::proxy {

namespace beast_http = boost::beast::http;

namespace {

// Beast's header types for the parts that rewrite and forward heads (message_writer,
// modify, fault decisions): copies, so the bytes read may go.
RequestHeader to_request_header(const http::ParsedHead& parsed) {
  RequestHeader head;
  head.method_string(parsed.method);
  head.target(parsed.target);
  head.version(parsed.version);
  for (const auto& field : parsed.fields) head.insert(field.name, field.value);
  return head;
}

ResponseHeader to_response_header(const http::ParsedHead& parsed) {
  ResponseHeader head;
  head.result(parsed.status);
  head.reason(parsed.reason);
  head.version(parsed.version);
  for (const auto& field : parsed.fields) head.insert(field.name, field.value);
  return head;
}

}  // namespace

RequestAdmission admit_request_head(std::string_view text, std::size_t max_header_bytes,
                                    std::uint64_t max_body_bytes) {
  RequestAdmission admission;
  const http::HeadResult parsed_head = http::parse_head(text, http::HeadKind::request);
  if (const auto* refused = std::get_if<http::HeadError>(&parsed_head)) {
    admission.refusal = Refusal{refused->status, refused->reason};
    return admission;
  }
  const auto& parsed = std::get<http::ParsedHead>(parsed_head);
  const RequestHeader& head = admission.head.emplace(to_request_header(parsed));
  admission.target = parse_request_target(head.target());
  // HTTP/1.0 with Transfer-Encoding: served, then the connection closes.
  admission.keep_alive = parsed.keep_alive && !parsed.close_after;
  if (parsed.framing == http::BodyFraming::length && parsed.content_length > max_body_bytes) {
    admission.refusal = Refusal{
        413, "request body larger than max_body_bytes (" + std::to_string(max_body_bytes) + ")"};
    return admission;
  }
  if (!admission.target) {
    admission.refusal = Refusal{400, "request target '" + excerpt(std::string_view(head.target())) +
                                         "' cannot be forwarded"};
    return admission;
  }
  if (head.version() >= 11 && head.find(beast_http::field::host) == head.end()) {
    admission.refusal = Refusal{400, "HTTP/1.1 request without a Host header"};
    return admission;
  }
  admission.host = admission.target->authority.empty() ? std::string(head[beast_http::field::host])
                                                       : admission.target->authority;
  admission.body = http::BodyDecoder(parsed.framing, parsed.content_length, max_header_bytes);
  admission.framing = Framing{parsed.framing == http::BodyFraming::chunked,
                              parsed.framing == http::BodyFraming::length
                                  ? std::optional<std::uint64_t>(parsed.content_length)
                                  : std::nullopt};
  return admission;
}

ResponseAdmission admit_response_head(std::string_view text, bool head_request) {
  ResponseAdmission admission;
  const http::HeadResult parsed_head = http::parse_head(text, http::HeadKind::response);
  if (const auto* refused = std::get_if<http::HeadError>(&parsed_head)) {
    admission.protocol_error = refused->reason;
    return admission;
  }
  const auto& parsed = std::get<http::ParsedHead>(parsed_head);
  UpstreamHead& upstream = admission.upstream;
  upstream.head = to_response_header(parsed);
  const unsigned status = parsed.status;
  if (status >= 100 && status < 200 && status != 101) {
    admission.interim = true;
    return admission;
  }
  // A 101 is final and bodyless here: the session refuses it (Upgrade is never forwarded).
  const bool bodyless = response_is_bodyless(head_request, status) || status == 101;
  const http::BodyFraming framing = bodyless ? http::BodyFraming::none : parsed.framing;
  upstream.body = http::BodyDecoder(framing, parsed.content_length, kMaxUpstreamHeaderBytes);
  if (parsed.framing == http::BodyFraming::length) upstream.declared_length = parsed.content_length;
  upstream.reusable =
      parsed.keep_alive && !parsed.close_after && framing != http::BodyFraming::until_close;
  return admission;
}

bool response_is_bodyless(bool head_request, unsigned status) {
  return head_request || status == 204 || status == 304;
}

std::optional<Refusal> refuse_request_body(std::string_view framing_error,
                                           std::uint64_t bytes_before, std::size_t piece_size,
                                           std::uint64_t max_body_bytes) {
  if (bytes_before + piece_size > max_body_bytes) {
    return Refusal{
        413, "request body larger than max_body_bytes (" + std::to_string(max_body_bytes) + ")"};
  }
  if (!framing_error.empty()) {
    return Refusal{400, "malformed request body: " + std::string(framing_error)};
  }
  return std::nullopt;
}

}  // namespace faultline::proxy
