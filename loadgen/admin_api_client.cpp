#include "loadgen/admin_api_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "loadgen/blocking_http_client.hpp"

namespace faultline::loadgen {

namespace json = boost::json;

std::string parse_profiles_answer(std::string_view body, FaultState& state,
                                  std::vector<std::string>& profile_names) {
  boost::system::error_code ec;
  const json::value document = json::parse(body, ec);
  const json::object* root = ec ? nullptr : document.if_object();
  if (root == nullptr) return "the answer is not a JSON object";
  const json::value* active = root->if_contains("active");
  const json::value* enabled = root->if_contains("faults_enabled");
  const json::value* profiles = root->if_contains("profiles");
  if (active == nullptr || !active->is_string() || enabled == nullptr || !enabled->is_bool() ||
      profiles == nullptr || !profiles->is_array())
    return "the answer lacks active, faults_enabled or profiles: is this a faultline admin API?";
  FaultState found;
  found.profile = std::string(active->get_string());
  found.enabled = enabled->get_bool();
  std::vector<std::string> names;
  for (const json::value& profile : profiles->get_array()) {
    const json::object* entry = profile.if_object();
    const json::value* name = entry ? entry->if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string()) return "a profile without a name in the answer";
    names.emplace_back(name->get_string());
  }
  state = std::move(found);
  profile_names = std::move(names);
  return "";
}

AdminApiClient::AdminApiClient(TargetUrl admin, std::string token,
                               std::chrono::milliseconds timeout)
    : admin_(std::move(admin)), token_(std::move(token)), timeout_(timeout) {}

std::string AdminApiClient::base_url() const {
  return "http://" + admin_.host_header;
}

std::string AdminApiClient::call(std::string_view method, std::string_view path,
                                 const std::string& request_body, std::string& body) const {
  HttpCall request;
  request.method = std::string(method);
  request.target = std::string(path);
  request.host_header = admin_.host_header;
  if (!token_.empty()) request.authorization = "Bearer " + token_;
  request.body = request_body;
  const std::string where = std::string(method) + " " + base_url() + std::string(path);
  HttpAnswer answer;
  if (auto error = http_exchange(admin_.host, admin_.port, request, timeout_, answer);
      !error.empty())
    return where + ": " + error;
  if (answer.status >= 200 && answer.status < 300) {
    body = std::move(answer.body);
    return "";
  }
  // The admin API explains itself in {"error": "..."}; show that rather than the JSON.
  std::string explanation = answer.body;
  boost::system::error_code ec;
  const json::value document = json::parse(answer.body, ec);
  if (!ec && document.is_object()) {
    if (const json::value* error = document.get_object().if_contains("error");
        error != nullptr && error->is_string())
      explanation = std::string(error->get_string());
  }
  while (!explanation.empty() && (explanation.back() == '\n' || explanation.back() == '\r'))
    explanation.pop_back();
  std::string message = where + ": " + std::to_string(answer.status) +
                        (answer.reason.empty() ? "" : " " + answer.reason);
  if (!explanation.empty()) message += ": " + explanation;
  return message;
}

std::string AdminApiClient::read_state(FaultState& state,
                                       std::vector<std::string>& profile_names) const {
  std::string body;
  if (auto error = call("GET", "/api/v1/profiles", "", body); !error.empty()) return error;
  if (auto error = parse_profiles_answer(body, state, profile_names); !error.empty())
    return "GET " + base_url() + "/api/v1/profiles: " + error;
  return "";
}

std::string AdminApiClient::switch_profile(const std::string& name) const {
  std::string body;
  return call("PUT", "/api/v1/profiles/active", json::serialize(json::object{{"name", name}}),
              body);
}

std::string AdminApiClient::set_faults_enabled(bool enabled) const {
  std::string body;
  return call("POST", enabled ? "/api/v1/faults/enable" : "/api/v1/faults/disable", "", body);
}

std::string AdminApiClient::apply(const FaultState& from, const FaultState& to) const {
  const bool profile_changes = from.profile != to.profile;
  const bool switch_changes = from.enabled != to.enabled;
  if (switch_changes && !to.enabled)
    if (auto error = set_faults_enabled(false); !error.empty()) return error;
  if (profile_changes)
    if (auto error = switch_profile(to.profile); !error.empty()) return error;
  if (switch_changes && to.enabled)
    if (auto error = set_faults_enabled(true); !error.empty()) return error;
  return "";
}

std::string AdminApiClient::apply_all(const FaultState& to) const {
  FaultState unknown;
  unknown.profile.clear();  // no profile has an empty name: the profile is always set
  unknown.enabled = !to.enabled;
  return apply(unknown, to);
}

}  // namespace faultline::loadgen
