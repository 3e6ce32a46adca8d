// The heads faultline writes for the next hop, read back as the next hop reads them:
// hop-by-hop fields dropped (RFC 9110 §7.6.1), forwarding fields added (X-Forwarded-*, Via
// per RFC 9110 §7.6.3), framing decided by the proxy and never copied from the sender, and
// body pieces framed as they are or in chunks (RFC 9112 §7.1).
#include "proxy/message_writer.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "proxy/header_rewrite.hpp"

namespace faultline::proxy {
namespace {

namespace http = boost::beast::http;

using Values = std::vector<std::string>;
using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// A written head split into its start line and its field lines, checking on the way that
// it is one well-formed head: CRLF-terminated lines, "Name: value" fields, one final blank
// line.
struct WrittenHead {
  std::string start_line;
  std::vector<std::pair<std::string, std::string>> fields;

  // Every value of `name` (case-insensitive), in order, so a test sees duplicates as well
  // as absence.
  Values values(std::string_view name) const {
    Values found;
    for (const auto& [field_name, value] : fields) {
      if (boost::beast::iequals(field_name, name)) found.push_back(value);
    }
    return found;
  }
  std::size_t count(std::string_view name) const { return values(name).size(); }
};

WrittenHead read_back(std::string_view wire) {
  static constexpr std::string_view kEndOfHead = "\r\n\r\n";
  WrittenHead head;
  EXPECT_TRUE(wire.ends_with(kEndOfHead)) << "head does not end in CRLF CRLF:\n" << wire;
  EXPECT_EQ(wire.find(kEndOfHead), wire.size() - kEndOfHead.size())
      << "blank line inside the head:\n"
      << wire;
  std::string_view rest = wire.substr(0, wire.size() - 2);  // each line keeps its CRLF
  bool first = true;
  while (!rest.empty()) {
    const auto crlf = rest.find("\r\n");
    if (crlf == std::string_view::npos) {
      ADD_FAILURE() << "line without CRLF: " << rest;
      break;
    }
    const std::string_view line = rest.substr(0, crlf);
    rest.remove_prefix(crlf + 2);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos) << "bare CR or LF: " << line;
    if (first) {
      head.start_line = line;
      first = false;
      continue;
    }
    const auto separator = line.find(": ");
    if (separator == std::string_view::npos || separator == 0) {
      ADD_FAILURE() << "not a \"Name: value\" field line: " << line;
      continue;
    }
    const std::string_view name = line.substr(0, separator);
    EXPECT_EQ(name.find_first_of(" \t:"), std::string_view::npos) << "bad field name: " << line;
    head.fields.emplace_back(name, line.substr(separator + 2));
  }
  return head;
}

RequestHeader request_with(Fields fields, unsigned version = 11) {
  RequestHeader head;
  head.method(http::verb::get);
  head.target("/");
  head.version(version);
  for (const auto& [name, value] : fields) head.insert(name, value);
  return head;
}

ResponseHeader response_with(unsigned status, std::string_view reason, Fields fields,
                             unsigned version = 11) {
  ResponseHeader head;
  head.result(status);
  head.reason(reason);
  head.version(version);
  for (const auto& [name, value] : fields) head.insert(name, value);
  return head;
}

const ForwardingInfo kFromLoopback{"127.0.0.1", "api.test", 11, ""};

const Framing kChunked{true, std::nullopt};
Framing sized_body(std::uint64_t content_length) {
  return Framing{false, content_length};
}

std::string written_request(const RequestHeader& head,
                            const ForwardingInfo& forwarding = kFromLoopback,
                            const Framing& framing = {}, std::string_view target = "/") {
  std::string out;
  write_request_head(head, target, forwarding, framing, out);
  return out;
}

std::string written_response(const ResponseHeader& head, const Framing& framing = {},
                             ConnectionDirective connection = ConnectionDirective::none) {
  std::string out;
  write_response_head(head, framing, connection, out);
  return out;
}

// The bytes a gather write of the first `count` buffers puts on the wire.
std::string wire_bytes(const BodyFramer::Buffers& buffers, std::size_t count) {
  std::string bytes;
  for (std::size_t i = 0; i < count; ++i) {
    bytes.append(static_cast<const char*>(buffers[i].data()), buffers[i].size());
  }
  return bytes;
}

// ---- Requests: hop-by-hop fields (RFC 9110 §7.6.1) ----

TEST(RequestHeadWriter, DropsEveryRfc9110HopByHopField) {
  auto head = written_request(request_with({{"Connection", "keep-alive"},
                                            {"Proxy-Connection", "keep-alive"},
                                            {"Keep-Alive", "timeout=5, max=100"},
                                            {"TE", "trailers"},
                                            {"Transfer-Encoding", "chunked"},
                                            {"Upgrade", "websocket"},
                                            {"Host", "api.test"}}));
  auto written = read_back(head);
  for (const char* name :
       {"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Transfer-Encoding", "Upgrade"}) {
    EXPECT_EQ(written.count(name), 0u) << name << " in\n" << head;
  }
  EXPECT_EQ(written.values("Host"), Values{"api.test"});
}

TEST(RequestHeadWriter, DropsHopByHopFieldsEvenWithoutAConnectionField) {
  auto written = read_back(written_request(request_with(
      {{"TE", "gzip"}, {"TE", "trailers"}, {"Keep-Alive", "timeout=5"}, {"Host", "h"}})));
  EXPECT_EQ(written.count("TE"), 0u);
  EXPECT_EQ(written.count("Keep-Alive"), 0u);
  EXPECT_EQ(written.values("Host"), Values{"h"});
}

TEST(RequestHeadWriter, KeepsEndToEndFieldsWithEveryLineAndValue) {
  auto written = read_back(written_request(request_with({{"Host", "api.test"},
                                                         {"Content-Type", "application/json"},
                                                         {"Authorization", "Bearer t"},
                                                         {"Cache-Control", "no-cache"},
                                                         {"X-Request-Id", "abc"},
                                                         {"Cookie", "a=1"},
                                                         {"Cookie", "b=2"},
                                                         {"Connection", "close"}})));
  EXPECT_EQ(written.values("Host"), Values{"api.test"});
  EXPECT_EQ(written.values("Content-Type"), Values{"application/json"});
  EXPECT_EQ(written.values("Authorization"), Values{"Bearer t"});
  EXPECT_EQ(written.values("Cache-Control"), Values{"no-cache"});
  EXPECT_EQ(written.values("X-Request-Id"), Values{"abc"});
  EXPECT_EQ(written.values("Cookie"), (Values{"a=1", "b=2"}));
  EXPECT_EQ(written.count("Connection"), 0u);
}

TEST(RequestHeadWriter, DropsEveryLineOfFieldsNamedInConnection) {
  auto written = read_back(written_request(request_with({{"Connection", "X-Trace-Hop, X-Secret"},
                                                         {"X-Trace-Hop", "1"},
                                                         {"X-Secret", "s1"},
                                                         {"X-Secret", "s2"},
                                                         {"X-Kept", "yes"}})));
  EXPECT_EQ(written.count("X-Trace-Hop"), 0u);
  EXPECT_EQ(written.count("X-Secret"), 0u);
  EXPECT_EQ(written.values("X-Kept"), Values{"yes"});
}

TEST(RequestHeadWriter, ReadsEveryConnectionLine) {
  auto written = read_back(written_request(request_with({{"Connection", "keep-alive, X-A"},
                                                         {"Connection", "X-B"},
                                                         {"X-A", "1"},
                                                         {"X-B", "2"},
                                                         {"X-C", "3"}})));
  EXPECT_EQ(written.count("X-A"), 0u);
  EXPECT_EQ(written.count("X-B"), 0u);
  EXPECT_EQ(written.values("X-C"), Values{"3"});
}

TEST(RequestHeadWriter, ConnectionToleratesOddSpacingAndEmptyElements) {
  // RFC 9110 §5.6.1: list elements are separated by commas with optional whitespace,
  // and empty elements are ignored.
  auto written = read_back(written_request(request_with({{"Connection", " ,X-A ,\t X-B\t,, ,X-C,"},
                                                         {"X-A", "1"},
                                                         {"X-B", "2"},
                                                         {"X-C", "3"},
                                                         {"X-D", "4"}})));
  EXPECT_EQ(written.count("X-A"), 0u);
  EXPECT_EQ(written.count("X-B"), 0u);
  EXPECT_EQ(written.count("X-C"), 0u);
  EXPECT_EQ(written.values("X-D"), Values{"4"});
}

TEST(RequestHeadWriter, ConnectionNamesMatchFieldNamesIgnoringCase) {
  auto written = read_back(
      written_request(request_with({{"Connection", "x-custom-HOP"}, {"X-Custom-Hop", "1"}})));
  EXPECT_EQ(written.count("X-Custom-Hop"), 0u);
  EXPECT_EQ(written.count("Connection"), 0u);
}

TEST(RequestHeadWriter, WritesAPlainRequestAsItCameWithTheForwardingFieldsAppended) {
  EXPECT_EQ(written_request(request_with({{"Host", "api.test"}, {"Accept", "*/*"}}), kFromLoopback,
                            Framing{}, "/items"),
            "GET /items HTTP/1.1\r\n"
            "Host: api.test\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 127.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: api.test\r\n"
            "Via: 1.1 faultline\r\n"
            "\r\n");
}

TEST(RequestHeadWriter, ReplacesWhateverTheOutputStringHeld) {
  // The proxy reuses one string per connection for every request head.
  std::string out = "POST /previous HTTP/1.1\r\nHost: old\r\n\r\n";
  write_request_head(request_with({{"Host", "h"}}), "/next", kFromLoopback, Framing{}, out);
  auto written = read_back(out);
  EXPECT_EQ(written.start_line, "GET /next HTTP/1.1");
  EXPECT_EQ(written.values("Host"), Values{"h"});
}

// ---- Requests: start line and Host ----

TEST(RequestHeadWriter, TakesTheTargetFromTheArgumentNotFromTheReceivedRequest) {
  // The caller converts an absolute-form target to origin form (RFC 9112 §3.2.2).
  auto head = request_with({{"Host", "api.test:8080"}});
  head.target("http://api.test:8080/v1/items?page=2");
  auto written = read_back(written_request(head, kFromLoopback, Framing{}, "/v1/items?page=2"));
  EXPECT_EQ(written.start_line, "GET /v1/items?page=2 HTTP/1.1");
}

TEST(RequestHeadWriter, KeepsTheMethodIncludingExtensionMethods) {
  auto post = request_with({{"Host", "h"}});
  post.method(http::verb::post);
  EXPECT_EQ(read_back(written_request(post)).start_line, "POST / HTTP/1.1");

  auto purge = request_with({{"Host", "h"}});
  purge.method_string("PURGE");
  EXPECT_EQ(read_back(written_request(purge)).start_line, "PURGE / HTTP/1.1");
}

TEST(RequestHeadWriter, SpeaksHttp11UpstreamForAnHttp10Client) {
  auto written = read_back(
      written_request(request_with({{"Host", "h"}}, 10), ForwardingInfo{"127.0.0.1", "h", 10, ""}));
  EXPECT_EQ(written.start_line, "GET / HTTP/1.1");
}

TEST(RequestHeadWriter, AddsHostFromHostIfMissingWhenTheRequestHasNone) {
  // An HTTP/1.0 request may come without Host; HTTP/1.1 upstreams require one.
  auto written = read_back(written_request(request_with({{"Accept", "*/*"}}, 10),
                                           ForwardingInfo{"127.0.0.1", "", 10, "10.0.0.5:9000"}));
  EXPECT_EQ(written.values("Host"), Values{"10.0.0.5:9000"});
}

TEST(RequestHeadWriter, KeepsTheClientsHostAndIgnoresHostIfMissing) {
  auto written =
      read_back(written_request(request_with({{"Host", "api.test"}}),
                                ForwardingInfo{"127.0.0.1", "api.test", 11, "10.0.0.5:9000"}));
  EXPECT_EQ(written.values("Host"), Values{"api.test"});
}

// ---- Requests: framing, decided by the proxy and never copied ----

TEST(RequestHeadWriter, NeverCopiesTheClientsContentLengthOrTransferEncoding) {
  auto written = read_back(written_request(
      request_with({{"Host", "h"}, {"Content-Length", "12"}, {"Transfer-Encoding", "chunked"}})));
  EXPECT_EQ(written.count("Content-Length"), 0u);
  EXPECT_EQ(written.count("Transfer-Encoding"), 0u);
}

TEST(RequestHeadWriter, ChunkedFramingAnnouncesTransferEncodingChunkedOnly) {
  auto written = read_back(written_request(
      request_with(
          {{"Host", "h"}, {"Content-Length", "5"}, {"Transfer-Encoding", "gzip, chunked"}}),
      kFromLoopback, kChunked));
  EXPECT_EQ(written.values("Transfer-Encoding"), Values{"chunked"});
  EXPECT_EQ(written.count("Content-Length"), 0u);
}

TEST(RequestHeadWriter, SizedFramingAnnouncesTheGivenContentLengthOnly) {
  auto written = read_back(written_request(
      request_with({{"Host", "h"}, {"Content-Length", "999"}, {"Transfer-Encoding", "chunked"}}),
      kFromLoopback, sized_body(42)));
  EXPECT_EQ(written.values("Content-Length"), Values{"42"});
  EXPECT_EQ(written.count("Transfer-Encoding"), 0u);
}

TEST(RequestHeadWriter, SizedFramingWritesZeroAndTheLargestLengthInDecimal) {
  auto empty_body =
      read_back(written_request(request_with({{"Host", "h"}}), kFromLoopback, sized_body(0)));
  EXPECT_EQ(empty_body.values("Content-Length"), Values{"0"});

  auto huge_body = read_back(
      written_request(request_with({{"Host", "h"}}), kFromLoopback, sized_body(UINT64_MAX)));
  EXPECT_EQ(huge_body.values("Content-Length"), Values{"18446744073709551615"});
}

TEST(RequestHeadWriter, ConnectionCannotNameContentLengthAway) {
  // Otherwise a client could strip the framing and smuggle its body upstream as a second
  // request.
  auto sized = read_back(written_request(
      request_with({{"Host", "h"}, {"Connection", "content-length"}, {"Content-Length", "5"}}),
      kFromLoopback, sized_body(5)));
  EXPECT_EQ(sized.values("Content-Length"), Values{"5"});

  auto chunked = read_back(written_request(
      request_with({{"Host", "h"}, {"Connection", "Content-Length, Transfer-Encoding"}}),
      kFromLoopback, kChunked));
  EXPECT_EQ(chunked.values("Transfer-Encoding"), Values{"chunked"});
}

TEST(RequestHeadWriter, ConnectionCannotNameHostAway) {
  auto written = read_back(
      written_request(request_with({{"Host", "api.test"}, {"Connection", "keep-alive, HOST"}}),
                      ForwardingInfo{"127.0.0.1", "api.test", 11, "10.0.0.5:9000"}));
  EXPECT_EQ(written.values("Host"), Values{"api.test"});
}

TEST(RequestHeadWriter, NextHopParsesTheHeadAndChunkedBody) {
  // Written the way the proxy sends it: the head and the first piece in one gather write.
  std::string head = written_request(request_with({{"Host", "h"}, {"Content-Type", "text/plain"}}),
                                     kFromLoopback, kChunked, "/upload");
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  buffers[0] = boost::asio::buffer(head);
  std::string wire = wire_bytes(buffers, framer.frame("hello, ", false, buffers, 1));
  wire += wire_bytes(buffers, framer.frame("world", true, buffers, 0));

  http::request_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message() << "\n" << wire;
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size());
  EXPECT_EQ(parser.get().target(), "/upload");
  EXPECT_EQ(parser.get().body(), "hello, world");
}

// ---- Requests: forwarding fields ----

TEST(RequestHeadWriter, SetsForwardingFieldsOnAFreshRequest) {
  auto written = read_back(written_request(request_with({{"Host", "api.test:8080"}}),
                                           ForwardingInfo{"127.0.0.1", "api.test:8080", 11, ""}));
  EXPECT_EQ(written.values("X-Forwarded-For"), Values{"127.0.0.1"});
  EXPECT_EQ(written.values("X-Forwarded-Proto"), Values{"http"});
  EXPECT_EQ(written.values("X-Forwarded-Host"), Values{"api.test:8080"});
  EXPECT_EQ(written.values("Via"), Values{"1.1 faultline"});
}

TEST(RequestHeadWriter, AppendsTheClientToAnExistingXForwardedFor) {
  auto written = read_back(written_request(request_with({{"X-Forwarded-For", "203.0.113.7"}}),
                                           ForwardingInfo{"::1", "api.test", 11, ""}));
  EXPECT_EQ(written.values("X-Forwarded-For"), Values{"203.0.113.7, ::1"});
}

TEST(RequestHeadWriter, JoinsXForwardedForSentAsSeveralLinesIntoOne) {
  auto written = read_back(written_request(request_with(
      {{"X-Forwarded-For", "203.0.113.7"}, {"x-forwarded-for", "198.51.100.2, 192.0.2.1"}})));
  EXPECT_EQ(written.values("X-Forwarded-For"),
            Values{"203.0.113.7, 198.51.100.2, 192.0.2.1, 127.0.0.1"});
}

TEST(RequestHeadWriter, EmptyXForwardedForGainsNoEmptyListElement) {
  // RFC 9110 §5.6.1: a sender must not generate empty list elements, and parsers that take
  // the first element as the client would get "".
  auto empty = read_back(written_request(request_with({{"X-Forwarded-For", ""}})));
  EXPECT_EQ(empty.values("X-Forwarded-For"), Values{"127.0.0.1"});

  auto sparse =
      read_back(written_request(request_with({{"X-Forwarded-For", " , 203.0.113.7,,\t,"}})));
  EXPECT_EQ(sparse.values("X-Forwarded-For"), Values{"203.0.113.7, 127.0.0.1"});
}

TEST(RequestHeadWriter, EmptyViaGainsNoEmptyListElement) {
  auto written =
      read_back(written_request(request_with({{"Via", ""}, {"Via", ", 1.0 x ,, 1.1 y,"}})));
  EXPECT_EQ(written.values("Via"), Values{"1.0 x, 1.1 y, 1.1 faultline"});
}

TEST(RequestHeadWriter, KeepsProtoAndHostTheClientAlreadySent) {
  auto written = read_back(written_request(
      request_with({{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "public.example"}}),
      ForwardingInfo{"127.0.0.1", "internal.test:8080", 11, ""}));
  EXPECT_EQ(written.values("X-Forwarded-Proto"), Values{"https"});
  EXPECT_EQ(written.values("X-Forwarded-Host"), Values{"public.example"});
}

TEST(RequestHeadWriter, OmitsXForwardedHostWhenTheClientSentNoHost) {
  auto written = read_back(
      written_request(request_with({}, 10), ForwardingInfo{"127.0.0.1", "", 10, "10.0.0.5:9000"}));
  EXPECT_EQ(written.count("X-Forwarded-Host"), 0u);
  EXPECT_EQ(written.values("X-Forwarded-Proto"), Values{"http"});
}

TEST(RequestHeadWriter, AppendsToAnExistingVia) {
  auto written = read_back(written_request(request_with({{"Via", "1.0 x"}})));
  EXPECT_EQ(written.values("Via"), Values{"1.0 x, 1.1 faultline"});
}

TEST(RequestHeadWriter, ViaNamesTheVersionTheRequestWasReceivedWith) {
  auto from_http10 = read_back(
      written_request(request_with({}, 10), ForwardingInfo{"127.0.0.1", "", 10, "up:80"}));
  EXPECT_EQ(from_http10.values("Via"), Values{"1.0 faultline"});

  auto from_http11 = read_back(written_request(request_with({{"Host", "h"}})));
  EXPECT_EQ(from_http11.values("Via"), Values{"1.1 faultline"});
}

// A field named in Connection is for one hop only (RFC 9110 §7.6.1): its values must not
// reach the upstream inside faultline's own X-Forwarded-For or Via either.
TEST(RequestHeadWriter, ClientCannotForwardFieldsItNamedInConnection) {
  auto written = read_back(written_request(request_with({{"Connection", "X-Forwarded-For, Via"},
                                                         {"X-Forwarded-For", "10.9.9.9"},
                                                         {"Via", "1.1 spoofed"}})));
  EXPECT_EQ(written.values("X-Forwarded-For"), Values{"127.0.0.1"});
  EXPECT_EQ(written.values("Via"), Values{"1.1 faultline"});
}

// Client X-Forwarded-Proto/Host lines dropped as Connection-named count as absent, so
// faultline adds its own instead of leaving the upstream without either.
TEST(RequestHeadWriter, ClientCannotStripForwardingFieldsThroughConnection) {
  auto written =
      read_back(written_request(request_with({{"Host", "api.test"},
                                              {"Connection", "X-Forwarded-Proto, X-Forwarded-Host"},
                                              {"X-Forwarded-Proto", "https"},
                                              {"X-Forwarded-Host", "spoofed.example"}})));
  EXPECT_EQ(written.values("X-Forwarded-Proto"), Values{"http"});
  EXPECT_EQ(written.values("X-Forwarded-Host"), Values{"api.test"});
}

// ---- Responses ----

TEST(ResponseHeadWriter, KeepsTheUpstreamsReasonPhrase) {
  auto written = read_back(written_response(response_with(200, "Everything Fine", {})));
  EXPECT_EQ(written.start_line, "HTTP/1.1 200 Everything Fine");
}

TEST(ResponseHeadWriter, FallsBackToTheStandardReasonWhenTheUpstreamSentNone) {
  EXPECT_EQ(read_back(written_response(response_with(404, "", {}))).start_line,
            "HTTP/1.1 404 Not Found");
  EXPECT_EQ(read_back(written_response(response_with(503, "", {}))).start_line,
            "HTTP/1.1 503 Service Unavailable");
}

// A status Beast 1.81 has no phrase for (425 Too Early, 103 Early Hints, 299) with an
// empty reason from the upstream ("HTTP/1.1 425 \r\n", valid per RFC 9112 §4) keeps it
// empty rather than gaining Beast's "<unknown-status>".
TEST(ResponseHeadWriter, UnknownStatusWithoutReasonGetsNoMadeUpReason) {
  const std::string line = read_back(written_response(response_with(425, "", {}))).start_line;
  EXPECT_TRUE(line == "HTTP/1.1 425 " || line == "HTTP/1.1 425 Too Early") << line;
}

TEST(ResponseHeadWriter, SpeaksHttp11ToTheClientWhateverTheUpstreamVersion) {
  auto written = read_back(written_response(response_with(200, "OK", {}, 10)));
  EXPECT_EQ(written.start_line, "HTTP/1.1 200 OK");
}

TEST(ResponseHeadWriter, DropsEveryRfc9110HopByHopField) {
  auto head = written_response(response_with(200, "OK",
                                             {{"Connection", "keep-alive"},
                                              {"Proxy-Connection", "keep-alive"},
                                              {"Keep-Alive", "timeout=5, max=100"},
                                              {"TE", "trailers"},
                                              {"Transfer-Encoding", "chunked"},
                                              {"Upgrade", "h2c"},
                                              {"Content-Type", "text/plain"}}));
  auto written = read_back(head);
  for (const char* name :
       {"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Transfer-Encoding", "Upgrade"}) {
    EXPECT_EQ(written.count(name), 0u) << name << " in\n" << head;
  }
  EXPECT_EQ(written.values("Content-Type"), Values{"text/plain"});
}

TEST(ResponseHeadWriter, DropsFieldsNamedInConnectionAndKeepsEndToEndOnes) {
  auto written = read_back(written_response(response_with(200, "OK",
                                                          {{"Connection", "close, X-Upstream-Hop"},
                                                           {"X-Upstream-Hop", "1"},
                                                           {"Set-Cookie", "a=1"},
                                                           {"Set-Cookie", "b=2"},
                                                           {"Cache-Control", "no-store"}})));
  EXPECT_EQ(written.count("X-Upstream-Hop"), 0u);
  EXPECT_EQ(written.values("Set-Cookie"), (Values{"a=1", "b=2"}));
  EXPECT_EQ(written.values("Cache-Control"), Values{"no-store"});
}

TEST(ResponseHeadWriter, NeverCopiesTheUpstreamsFraming) {
  auto unframed = read_back(written_response(
      response_with(200, "OK", {{"Content-Length", "12"}, {"Transfer-Encoding", "chunked"}})));
  EXPECT_EQ(unframed.count("Content-Length"), 0u);
  EXPECT_EQ(unframed.count("Transfer-Encoding"), 0u);

  auto sized = read_back(written_response(
      response_with(200, "OK", {{"Transfer-Encoding", "chunked"}}), sized_body(7)));
  EXPECT_EQ(sized.values("Content-Length"), Values{"7"});
  EXPECT_EQ(sized.count("Transfer-Encoding"), 0u);

  auto chunked =
      read_back(written_response(response_with(200, "OK", {{"Content-Length", "12"}}), kChunked));
  EXPECT_EQ(chunked.values("Transfer-Encoding"), Values{"chunked"});
  EXPECT_EQ(chunked.count("Content-Length"), 0u);
}

TEST(ResponseHeadWriter, ConnectionCannotNameContentLengthAway) {
  auto written = read_back(written_response(
      response_with(200, "OK", {{"Connection", "content-length"}, {"Content-Length", "3"}}),
      sized_body(3)));
  EXPECT_EQ(written.values("Content-Length"), Values{"3"});
}

TEST(ResponseHeadWriter, ViaNamesTheUpstreamResponseVersion) {
  auto http11 = read_back(written_response(response_with(200, "OK", {})));
  EXPECT_EQ(http11.values("Via"), Values{"1.1 faultline"});

  auto http10 = read_back(written_response(response_with(200, "OK", {}, 10)));
  EXPECT_EQ(http10.values("Via"), Values{"1.0 faultline"});
}

TEST(ResponseHeadWriter, AppendsViaAfterViaLinesFromEarlierProxies) {
  auto written = read_back(
      written_response(response_with(200, "OK", {{"Via", "1.0 x"}, {"Via", "1.1 y (Envoy)"}})));
  EXPECT_EQ(written.values("Via"), Values{"1.0 x, 1.1 y (Envoy), 1.1 faultline"});
}

TEST(ResponseHeadWriter, ConnectionCloseTellsTheClientToClose) {
  auto written = read_back(
      written_response(response_with(200, "OK", {}), Framing{}, ConnectionDirective::close));
  EXPECT_EQ(written.values("Connection"), Values{"close"});
}

TEST(ResponseHeadWriter, ConnectionKeepAliveTellsAnHttp10ClientToKeepTheConnection) {
  auto written = read_back(written_response(response_with(200, "OK", {{"Connection", "close"}}),
                                            sized_body(0), ConnectionDirective::keep_alive));
  EXPECT_EQ(written.values("Connection"), Values{"keep-alive"});
}

TEST(ResponseHeadWriter, NoConnectionDirectiveSendsNoConnectionField) {
  // The upstream's Connection is about the upstream connection, not the client's.
  auto written = read_back(written_response(response_with(200, "OK", {{"Connection", "close"}}),
                                            sized_body(0), ConnectionDirective::none));
  EXPECT_EQ(written.count("Connection"), 0u);
}

TEST(ResponseHeadWriter, WritesTheWholeHeadInOrder) {
  EXPECT_EQ(written_response(
                response_with(201, "Created", {{"Location", "/items/7"}, {"Connection", "close"}}),
                sized_body(2), ConnectionDirective::close),
            "HTTP/1.1 201 Created\r\n"
            "Location: /items/7\r\n"
            "Via: 1.1 faultline\r\n"
            "Content-Length: 2\r\n"
            "Connection: close\r\n"
            "\r\n");
}

// Beast reads any three digits as a status, so an upstream's "010" arrives as 10: it goes
// on as the three digits it came as, never with an unwritten third character (found by
// fuzz_upstream_response).
TEST(ResponseHeadWriter, WritesEveryStatusWithThreeDigits) {
  EXPECT_EQ(read_back(written_response(response_with(10, "Odd", {}))).start_line,
            "HTTP/1.1 010 Odd");
  EXPECT_EQ(read_back(written_response(response_with(0, "Zero", {}))).start_line,
            "HTTP/1.1 000 Zero");
  EXPECT_EQ(read_back(written_response(response_with(999, "Top", {}))).start_line,
            "HTTP/1.1 999 Top");
}

TEST(ResponseHeadWriter, ReplacesWhateverTheOutputStringHeld) {
  std::string out = "HTTP/1.1 100 Continue\r\n\r\n";
  write_response_head(response_with(204, "No Content", {}), Framing{}, ConnectionDirective::none,
                      out);
  EXPECT_EQ(read_back(out).start_line, "HTTP/1.1 204 No Content");
}

TEST(ResponseHeadWriter, NextHopParsesTheHeadAndChunkedBody) {
  std::string head = written_response(response_with(200, "OK", {{"Content-Type", "text/plain"}}),
                                      kChunked, ConnectionDirective::none);
  const std::string body(300, 'x');  // more than 255 bytes: a multi-digit hex size
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  buffers[0] = boost::asio::buffer(head);
  std::string wire = wire_bytes(buffers, framer.frame(body, false, buffers, 1));
  wire += wire_bytes(buffers, framer.frame("!", true, buffers, 0));

  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message() << "\n" << wire;
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size());
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get().body(), body + "!");
}

// ---- The decisions, one by one ----

TEST(HopByHopFilter, NeverTreatsHostOrContentLengthAsHopByHop) {
  HeadFields fields;
  fields.insert("Connection", "Host, content-length, X-Hop");
  fields.insert("Host", "h");
  fields.insert("Content-Length", "5");
  fields.insert("X-Hop", "1");
  const HopByHopFilter filter(fields);
  EXPECT_FALSE(filter.is_hop_by_hop(*fields.find("Host")));
  EXPECT_FALSE(filter.is_hop_by_hop(*fields.find("Content-Length")));
  EXPECT_TRUE(filter.is_hop_by_hop(*fields.find("X-Hop")));
  EXPECT_TRUE(filter.is_hop_by_hop(*fields.find("Connection")));
}

TEST(HopByHopFilter, DoesNotMatchAFieldWhoseNameOnlyStartsLikeANamedOne) {
  HeadFields fields;
  fields.insert("Connection", "X-Hop");
  fields.insert("X-Hop-Extra", "1");
  fields.insert("X-Ho", "2");
  const HopByHopFilter filter(fields);
  EXPECT_FALSE(filter.is_hop_by_hop(*fields.find("X-Hop-Extra")));
  EXPECT_FALSE(filter.is_hop_by_hop(*fields.find("X-Ho")));
}

TEST(ForwardingFields, LeavesProtoAndHostEmptyToKeepTheClientsOwn) {
  HeadFields fields;
  fields.insert("x-forwarded-proto", "https");
  fields.insert("X-FORWARDED-HOST", "public.example");
  const ForwardingFields added = forwarding_fields(fields, HopByHopFilter(fields), kFromLoopback);
  EXPECT_EQ(added.x_forwarded_proto, "");
  EXPECT_EQ(added.x_forwarded_host, "");
  EXPECT_EQ(added.x_forwarded_for, "127.0.0.1");
  EXPECT_EQ(added.via, "1.1 faultline");
}

TEST(ForwardingFields, AppendedViaNamesTheGivenVersion) {
  HeadFields fields;
  EXPECT_EQ(appended_via(fields, HopByHopFilter(fields), 11), "1.1 faultline");
  EXPECT_EQ(appended_via(fields, HopByHopFilter(fields), 10), "1.0 faultline");
  fields.insert("Via", "1.0 x");
  fields.insert("Via", "1.1 y (Envoy)");
  EXPECT_EQ(appended_via(fields, HopByHopFilter(fields), 11),
            "1.0 x, 1.1 y (Envoy), 1.1 faultline");
}

// ---- Body framing (RFC 9112 §7.1) ----

TEST(BodyFramer, SizedBodyAddsThePieceAsItIsAfterTheHead) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  const std::string_view piece = "hello";
  BodyFramer framer(false);
  BodyFramer::Buffers buffers;
  buffers[0] = boost::asio::buffer(head);
  const std::size_t count = framer.frame(piece, true, buffers, 1);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(buffers[1].data(), piece.data());  // not copied
  EXPECT_EQ(wire_bytes(buffers, count), head + "hello");
}

TEST(BodyFramer, SizedBodyEmptyPieceAddsNothing) {
  BodyFramer framer(false);
  BodyFramer::Buffers buffers;
  EXPECT_EQ(framer.frame("", false, buffers, 0), 0u);
  EXPECT_EQ(framer.frame("", true, buffers, 1), 1u);
}

TEST(BodyFramer, ChunkedPieceIsAHexSizeLineThePieceAndCrlf) {
  const std::string piece(26, 'a');
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  const std::size_t count = framer.frame(piece, false, buffers, 0);
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(buffers[1].data(), piece.data());  // not copied
  EXPECT_EQ(wire_bytes(buffers, count), "1a\r\n" + piece + "\r\n");
}

TEST(BodyFramer, ChunkedSizeLineIsHexadecimalForLargePieces) {
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  const std::string one_page(4096, 'p');
  std::size_t count = framer.frame(one_page, false, buffers, 0);
  EXPECT_EQ(wire_bytes(buffers, count), "1000\r\n" + one_page + "\r\n");

  const std::string odd(255, 'o');
  count = framer.frame(odd, false, buffers, 0);
  EXPECT_EQ(wire_bytes(buffers, count), "ff\r\n" + odd + "\r\n");
}

TEST(BodyFramer, ChunkedLastPieceIsFollowedByTheLastChunkAfterTheHead) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  buffers[0] = boost::asio::buffer(head);
  const std::size_t count = framer.frame("hello", true, buffers, 1);
  ASSERT_EQ(count, 5u);  // head, size line, piece, CRLF, last chunk: every buffer used
  EXPECT_EQ(wire_bytes(buffers, count), head + "5\r\nhello\r\n0\r\n\r\n");
}

TEST(BodyFramer, ChunkedEmptyLastPieceGivesOnlyTheLastChunk) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  buffers[0] = boost::asio::buffer(head);
  const std::size_t count = framer.frame("", true, buffers, 1);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(wire_bytes(buffers, count), head + "0\r\n\r\n");
}

TEST(BodyFramer, ChunkedEmptyPieceBeforeTheEndWritesNoChunk) {
  // A zero-size chunk would end the body early.
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  EXPECT_EQ(framer.frame("", false, buffers, 0), 0u);
  EXPECT_EQ(framer.frame("", false, buffers, 1), 1u);
}

TEST(BodyFramer, ChunkedPiecesInSequenceMakeOneBody) {
  BodyFramer framer(true);
  BodyFramer::Buffers buffers;
  std::string wire;
  for (std::string_view piece : {"ab", "", "cdefghijklmnopq"}) {
    wire += wire_bytes(buffers, framer.frame(piece, false, buffers, 0));
  }
  wire += wire_bytes(buffers, framer.frame("", true, buffers, 0));
  EXPECT_EQ(wire, "2\r\nab\r\nf\r\ncdefghijklmnopq\r\n0\r\n\r\n");
}

}  // namespace
}  // namespace faultline::proxy
