// Any bytes as a bench scenario: a plan or diagnostics, never a crash; and the requests an
// accepted scenario makes the generator send are each exactly one well-formed HTTP/1.1
// request, carrying the method and body the scenario wrote (unless the scenario sets the
// framing headers itself).
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "loadgen/request_mix.hpp"
#include "loadgen/scenario_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace http = boost::beast::http;
using faultline::loadgen::BenchPlan;

bool sets_framing(const faultline::loadgen::RequestTemplate& request) {
  for (const auto& [name, value] : request.headers) {
    if (boost::beast::iequals(name, "content-length") ||
        boost::beast::iequals(name, "transfer-encoding")) {
      return true;
    }
  }
  return false;
}

void check_wire(const faultline::loadgen::RequestTemplate& request, const std::string& wire) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(parser.is_done());
  FUZZ_CHECK(used == wire.size());
  FUZZ_CHECK(parser.get().method_string() == request.method);
  FUZZ_CHECK(parser.get().body() == request.body);
}

void check_plan(BenchPlan plan) {
  FUZZ_CHECK(!plan.requests.empty());
  faultline::loadgen::apply_defaults(plan, 2);
  if (!faultline::loadgen::validate_plan(plan).empty()) return;  // the command refuses it
  FUZZ_CHECK(plan.threads >= 1 && plan.connections >= 1);
  const faultline::loadgen::RequestMix mix(plan.target, plan.requests);
  std::size_t prepared = 0;
  for (const auto& request : plan.requests) {
    if (request.weight == 0) continue;
    // A template that writes its own Content-Length or Transfer-Encoding owns its framing
    // (e.g. a body file that is already chunked): the generator sends it as written.
    if (!sets_framing(request)) check_wire(request, mix.at(prepared).wire);
    ++prepared;
  }
  FUZZ_CHECK(prepared == mix.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // body_file paths resolve against a directory that does not exist: no file is read.
  auto result = faultline::loadgen::parse_scenario(text, "fuzz.toml", "/nonexistent/fuzz");
  FUZZ_CHECK(result.plan.has_value() == result.errors.empty());
  for (const auto& diagnostic : result.errors) FUZZ_CHECK(!diagnostic.message.empty());
  if (result.plan) check_plan(std::move(*result.plan));
  return 0;
}
