// The admin API (proxy/admin_api.hpp) with any method, target, Authorization and body.
// Input: one flags byte, then the target, the Authorization value and the body (the first
// two end at '\n'). Beyond "no crash":
// - every answer has a status the API documents, and a JSON answer is valid JSON;
// - 405 names the allowed methods, 401 the scheme to use;
// - without the right token nothing changes, whatever is asked;
// - a profile switch that succeeds leaves a profile of the config active.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "metrics/proxy_metrics.hpp"
#include "proxy/admin_api.hpp"
#include "proxy/admin_control.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace faultline;
using http::Request;
using http::Response;

constexpr std::string_view kToken = "s3cret";

std::shared_ptr<const config::Config> load(bool with_token) {
  const std::string text =
      std::string("[admin]\ntoken = \"") + std::string(with_token ? kToken : "") + R"("
[[routes]]
name = "api"
upstream = "http://127.0.0.1:9000"

[faults]
active_profile = "flaky"

[[faults.profiles.flaky]]
name = "errors"
probability = 0.5
abort = { status = 503, body = "injected" }

[[faults.profiles.slow]]
name = "fixed"
match = { path_prefix = "/api", methods = ["GET"] }
delay = { distribution = "normal", mean = "40ms", stddev = "10ms" }
)";
  auto result = config::parse_config(text, "fuzz.toml");
  FUZZ_CHECK(result.config.has_value());
  return std::make_shared<const config::Config>(std::move(*result.config));
}

// Behaves as the proxy's LiveConfig does for the API's purposes, and counts every change.
class FakeControl final : public proxy::AdminControl {
 public:
  FakeControl(std::shared_ptr<const config::Config> config, proxy::ReloadOutcome::Result reload)
      : config_(std::move(config)), reload_result_(reload) {}
  proxy::FaultState fault_state() const override { return {config_, active_, enabled_}; }
  bool switch_profile(std::string_view name) override {
    ++changes;
    if (config_->faults.find_profile(name) == nullptr) return false;
    active_ = name;
    return true;
  }
  void set_faults_enabled(bool enabled) override {
    ++changes;
    enabled_ = enabled;
  }
  proxy::ReloadOutcome reload(std::string_view) override {
    ++changes;
    proxy::ReloadOutcome outcome;
    outcome.result = reload_result_;
    if (reload_result_ == proxy::ReloadOutcome::Result::failure) {
      outcome.errors = {"fuzz.toml:1:1: server: \"quoted\" \\ error"};
    } else {
      outcome.warnings = {"server.listen changes on restart only"};
    }
    return outcome;
  }

  int changes = 0;
  const std::string& active() const { return active_; }

 private:
  std::shared_ptr<const config::Config> config_;
  proxy::ReloadOutcome::Result reload_result_;
  std::string active_ = "flaky";
  bool enabled_ = true;
};

constexpr std::string_view kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE", "get", ""};

bool documented_status(unsigned status) {
  switch (status) {
    case 200:
    case 400:
    case 401:
    case 404:
    case 405:
    case 409:
    case 422:
    case 503:
      return true;
    default:
      return false;
  }
}

bool carries_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if ((authorization[i] | 0x20) != kScheme[i]) return false;
  }
  std::string_view credentials = authorization.substr(kScheme.size());
  const std::size_t first = credentials.find_first_not_of(' ');
  if (first == std::string_view::npos) return false;
  credentials = credentials.substr(first, credentials.find_last_not_of(' ') - first + 1);
  return credentials == kToken;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One metrics object for the whole run: building one scans /proc and is not what is
  // being tested.
  static const metrics::ProxyMetrics proxy_metrics;
  static const std::shared_ptr<const config::Config> open_config = load(false);
  static const std::shared_ptr<const config::Config> guarded_config = load(true);

  faultline::fuzz::FuzzInput input(data, size);
  const std::uint8_t flags = input.byte();
  const bool guarded = flags & 0x80;
  const auto reload = static_cast<proxy::ReloadOutcome::Result>((flags >> 5) % 4);
  Request request;
  request.method = kMethods[(flags & 0x1f) % std::size(kMethods)];
  request.target = input.line();
  request.authorization = input.line();
  request.body = input.rest();

  FakeControl control(guarded ? guarded_config : open_config, reload);
  proxy::AdminApi api(proxy_metrics, control);
  api.set_ready(flags & 0x10);
  const Response response = api.handle(request);

  FUZZ_CHECK(documented_status(response.status));
  FUZZ_CHECK(!response.content_type.empty());
  if (response.content_type == "application/json") {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(response.body, ec);
    FUZZ_CHECK(!ec && body.is_object());
    // A refusal says why: "error", or for a rejected reload every "errors" line.
    if (response.status == 422) FUZZ_CHECK(body.as_object().contains("errors"));
    if (response.status >= 400 && response.status != 422) {
      FUZZ_CHECK(body.as_object().contains("error"));
    }
  }
  if (response.status == 405) FUZZ_CHECK(!response.allow.empty());
  if (response.status == 401) FUZZ_CHECK(!response.www_authenticate.empty());
  // Without the token (RFC 6750 "Bearer", the scheme in any case), nothing changed.
  if (guarded && !carries_token(request.authorization)) FUZZ_CHECK(control.changes == 0);
  if (response.status == 401) FUZZ_CHECK(control.changes == 0);
  FUZZ_CHECK(control.fault_state().config->faults.find_profile(control.active()) != nullptr);
  return 0;
}
