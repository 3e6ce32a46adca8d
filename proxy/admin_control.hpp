// What the admin API may look at and change while the proxy runs. LiveConfig implements
// it; the admin API's tests use a fake. No Beast, no sockets.
#pragma once

#include <chrono>
#include <cstdint>
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

// One reload as the live page lists it (reload_history.hpp keeps the last few).
struct ReloadEvent {
  std::chrono::system_clock::time_point at;
  std::string trigger;  // "admin API", "SIGHUP", "file change"
  bool success = true;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

struct ReloadLog {
  std::uint64_t total = 0;          // reloads since start, successful or not
  std::vector<ReloadEvent> recent;  // the last few, newest first
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
  // The reloads that were tried (an unchanged file or a config without a file is none).
  virtual ReloadLog reloads() const { return {}; }
};

}  // namespace faultline::proxy
