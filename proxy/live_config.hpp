// The config that changes while the proxy runs: reloads of the file, profile switches and
// the kill switch. Each change builds a new immutable Snapshot and hands it to the
// workers; requests already in flight finish under the one they started with.
//
// Changes come from three threads (the admin server, the file watcher, the main thread on
// SIGHUP); a mutex makes them one sequence, so the workers receive snapshots in the order
// they were made.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/admin_control.hpp"
#include "proxy/reload_history.hpp"

namespace faultline::metrics {
class ProxyMetrics;
}

namespace faultline::proxy {

class FaultRuntime;
struct Snapshot;

class LiveConfig final : public AdminControl {
 public:
  using Publish = std::function<void(std::shared_ptr<const Snapshot>)>;

  // `path`: the file reload re-reads; "" when the config did not come from a file.
  LiveConfig(std::shared_ptr<const config::Config> initial, std::string path,
             metrics::ProxyMetrics& metrics, FaultRuntime& faults);
  ~LiveConfig() override;

  // Where new snapshots go (set once, before anything can change).
  void set_publisher(Publish publish);
  std::shared_ptr<const Snapshot> current() const;
  const std::string& path() const { return path_; }

  FaultState fault_state() const override;
  bool switch_profile(std::string_view name) override;
  void set_faults_enabled(bool enabled) override;
  ReloadOutcome reload(std::string_view trigger) override;
  ReloadLog reloads() const override { return history_.log(); }
  // For the file watcher: reloads only when the file's bytes differ from the last read
  // (an editor's save makes several events; an unrelated file in the directory, more).
  ReloadOutcome reload_if_changed();
  // The files besides the config file whose change is a reason to reload (certificates).
  std::vector<std::string> dependent_files() const;

 private:
  ReloadOutcome reload_locked(std::string_view trigger, bool only_if_changed);
  void publish_locked();

  const std::string path_;
  metrics::ProxyMetrics& metrics_;
  FaultRuntime& faults_;
  mutable std::mutex mutex_;
  std::shared_ptr<const config::Config> config_;
  std::string file_text_;       // the file's bytes at the last read
  std::string chosen_profile_;  // chosen over the API; "" = the config's active_profile
  bool faults_enabled_ = true;
  std::shared_ptr<const Snapshot> current_;
  Publish publish_;
  ReloadHistory history_;
};

}  // namespace faultline::proxy
