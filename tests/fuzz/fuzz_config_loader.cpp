// Any bytes as a faultline.toml: the loader answers with a Config or with diagnostics,
// never both, never neither, never a crash; and what it accepts, the admin API can show.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_json.hpp"
#include "config/loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using faultline::config::Config;
using faultline::config::LoadResult;

constexpr std::string_view kSource = "fuzz.toml";

void check_diagnostics(const LoadResult& result, std::string_view text) {
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& diagnostic : result.errors) {
    FUZZ_CHECK(!diagnostic.message.empty());
    FUZZ_CHECK(diagnostic.line >= 0 && diagnostic.column >= 0);
    // A place is in the file (toml++ may point one line past a last line without '\n').
    FUZZ_CHECK(diagnostic.line <= lines + 1);
    FUZZ_CHECK(diagnostic.to_string().starts_with(kSource));
  }
}

// What every accepted config promises the proxy that runs it.
void check_config(const Config& config) {
  FUZZ_CHECK(!config.routes.empty());
  for (const auto& route : config.routes) {
    FUZZ_CHECK(!route.name.empty());
    FUZZ_CHECK(route.upstream.port != 0);
    FUZZ_CHECK(!route.upstream.host.empty());
  }
  const auto& faults = config.faults;
  FUZZ_CHECK(std::is_sorted(faults.profile_names.begin(), faults.profile_names.end()));
  FUZZ_CHECK(faults.profiles.size() == faults.profile_names.size());
  FUZZ_CHECK(faults.find_profile("none") != nullptr);
  FUZZ_CHECK(faults.find_profile(faults.active_profile) != nullptr);
  for (const auto& profile : faults.profiles) {
    for (const auto& rule : profile.rules) {
      FUZZ_CHECK(rule.probability >= 0.0 && rule.probability <= 1.0);
    }
  }

  // GET /api/v1/config and /api/v1/profiles: never a throw, always valid JSON text.
  boost::json::object json = faultline::config::config_json(config);
  FUZZ_CHECK(json.contains("faults") && json["faults"].is_object());
  const std::string text = boost::json::serialize(json);
  boost::system::error_code ec;
  (void)boost::json::parse(text, ec);
  FUZZ_CHECK(!ec);
  for (const auto& profile : faults.profiles) {
    for (const auto& rule : profile.rules) {
      (void)boost::json::serialize(faultline::config::rule_json(rule));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LoadResult result = faultline::config::parse_config(text, kSource);
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  check_diagnostics(result, text);
  if (result.config) check_config(*result.config);
  return 0;
}
