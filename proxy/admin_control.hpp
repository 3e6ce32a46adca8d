// What the admin API may look at and change while the proxy runs. LiveConfig implements
// it; the admin API's tests use a fake. No Beast, no sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace faultline::proxy {

// The fault settings requests start under now.
struct FaultState {
  std::shared_ptr<const config::Config> config;
  std::string active_profile;  // the config's, or the one chosen over the API
  bool faults_enabled = true;  // false while the kill switch is on
};

struct ReloadOutcome {
  enum class Result {
    success,    // the new config is in use
    failure,    // rejected (errors says why); the running config stays
    unchanged,  // the file watcher saw the same bytes again; nothing was done
    no_file,    // the config did not come from a file (the demo's embedded one)
  };
  Result result = Result::success;
  std::vector<std::string> errors;    // "file:line:col: key.path: message"
  std::vector<std::string> warnings;  // settings changed that take effect on restart only
};

class AdminControl {
 public:
  virtual ~AdminControl() = default;
  virtual FaultState fault_state() const = 0;
  // False when the config has no profile of that name.
  virtual bool switch_profile(std::string_view name) = 0;
  virtual void set_faults_enabled(bool enabled) = 0;
  // Re-reads the config file; `trigger` ("api", "SIGHUP", "file") goes into the log.
  virtual ReloadOutcome reload(std::string_view trigger) = 0;
};

}  // namespace faultline::proxy
