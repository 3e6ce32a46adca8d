#include "proxy/live_config.hpp"

#include <spdlog/spdlog.h>

#include "base/file.hpp"
#include "config/loader.hpp"
#include "config/restart_settings.hpp"
#include "faults/rule.hpp"
#include "metrics/proxy_metrics.hpp"
#include "net/tls_context.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::proxy {

namespace {

// What a reload depends on besides the config file: the bytes of the certificates, keys
// and CA bundles it names. A changed certificate is a changed config.
std::string dependency_bytes(const config::Config& config) {
  std::string bytes;
  for (const auto& file : config::dependent_files(config)) {
    bytes += '\0';
    bytes += file;
    bytes += '\0';
    bytes += read_file(file).value_or("");
  }
  return bytes;
}

void show_certificates(const config::Config& config, metrics::ProxyMetrics& metrics) {
  std::vector<metrics::CertificateExpiry> certificates;
  if (config.server.tls) {
    const auto& served = config.server.tls->certificate;
    certificates.push_back(
        {metrics::Side::client, served.subject, static_cast<double>(served.not_after)});
  }
  for (const auto& route : config.routes) {
    if (!route.tls.context) continue;
    if (const auto* presented = route.tls.context->client_certificate()) {
      certificates.push_back(
          {metrics::Side::upstream, presented->subject, static_cast<double>(presented->not_after)});
    }
  }
  metrics.tls().set_certificates(certificates);
}

}  // namespace

LiveConfig::LiveConfig(std::shared_ptr<const config::Config> initial, std::string path,
                       metrics::ProxyMetrics& metrics, FaultRuntime& faults)
    : path_(std::move(path)), metrics_(metrics), faults_(faults), config_(std::move(initial)) {
  if (!path_.empty()) {
    // What the watcher compares against. Read again rather than passed in: a change made
    // between the first load and here then shows up as a difference, and is loaded.
    config::load_config_file(path_, &file_text_);
    file_text_ += dependency_bytes(*config_);
  }
  show_certificates(*config_, metrics_);
  publish_locked();
}

LiveConfig::~LiveConfig() = default;

void LiveConfig::set_publisher(Publish publish) {
  std::lock_guard lock(mutex_);
  publish_ = std::move(publish);
}

std::shared_ptr<const Snapshot> LiveConfig::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

FaultState LiveConfig::fault_state() const {
  std::lock_guard lock(mutex_);
  return FaultState{config_, current_->active_profile->name, faults_enabled_};
}

bool LiveConfig::switch_profile(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (config_->faults.find_profile(name) == nullptr) return false;
  const std::string previous = current_->active_profile->name;
  chosen_profile_ = name;
  publish_locked();
  spdlog::info("fault profile switched from '{}' to '{}' over the admin API", previous, name);
  return true;
}

void LiveConfig::set_faults_enabled(bool enabled) {
  std::lock_guard lock(mutex_);
  if (faults_enabled_ == enabled) return;
  faults_enabled_ = enabled;
  publish_locked();
  if (enabled) {
    spdlog::info("faults enabled again: profile '{}' applies", current_->active_profile->name);
  } else {
    spdlog::warn("kill switch: faults disabled, requests pass unharmed until enabled");
  }
}

ReloadOutcome LiveConfig::reload(std::string_view trigger) {
  std::lock_guard lock(mutex_);
  return reload_locked(trigger, false);
}

ReloadOutcome LiveConfig::reload_if_changed() {
  std::lock_guard lock(mutex_);
  return reload_locked("file change", true);
}

ReloadOutcome LiveConfig::reload_locked(std::string_view trigger, bool only_if_changed) {
  ReloadOutcome outcome;
  if (path_.empty()) {
    outcome.result = ReloadOutcome::Result::no_file;
    return outcome;
  }
  std::string text;
  auto loaded = config::load_config_file(path_, &text);
  if (loaded.config) text += dependency_bytes(*loaded.config);
  if (only_if_changed && loaded.config && text == file_text_) {
    outcome.result = ReloadOutcome::Result::unchanged;
    return outcome;
  }
  file_text_ = std::move(text);
  if (!loaded.config) {
    outcome.result = ReloadOutcome::Result::failure;
    spdlog::error("config reload ({}) rejected, the running config stays:", trigger);
    for (const auto& error : loaded.errors) {
      outcome.errors.push_back(error.to_string());
      spdlog::error("  {}", outcome.errors.back());
    }
    metrics_.record_config_reload(false);
    history_.record(ReloadEvent{
        std::chrono::system_clock::now(), std::string(trigger), false, outcome.errors, {}});
    return outcome;
  }
  auto next = std::make_shared<const config::Config>(std::move(*loaded.config));
  outcome.warnings = config::changed_restart_settings(*config_, *next);
  for (auto& setting : outcome.warnings) {
    setting += " changed: takes effect on restart only";
    spdlog::warn("config reload ({}): {}", trigger, setting);
  }
  // A profile chosen over the API stays chosen, unless the file now names another active
  // profile (its author meant that one) or no longer defines the chosen one.
  if (next->faults.active_profile != config_->faults.active_profile ||
      next->faults.find_profile(chosen_profile_) == nullptr) {
    chosen_profile_.clear();
  }
  config_ = std::move(next);
  faults_.configure(config_->faults);
  show_certificates(*config_, metrics_);
  publish_locked();
  metrics_.record_config_reload(true);
  history_.record(ReloadEvent{
      std::chrono::system_clock::now(), std::string(trigger), true, {}, outcome.warnings});
  spdlog::info("config reloaded ({}) from {}: {} routes, fault profile '{}'{}", trigger, path_,
               config_->routes.size(), current_->active_profile->name,
               faults_enabled_ ? "" : " (faults disabled by the kill switch)");
  return outcome;
}

std::vector<std::string> LiveConfig::dependent_files() const {
  std::lock_guard lock(mutex_);
  return config::dependent_files(*config_);
}

void LiveConfig::publish_locked() {
  const std::string& profile =
      chosen_profile_.empty() ? config_->faults.active_profile : chosen_profile_;
  current_ = std::make_shared<const Snapshot>(config_, metrics_, profile, faults_enabled_);
  // The gauge names the profile that is injecting: "none" while the kill switch is on.
  metrics_.set_active_profile(faults_enabled_ ? current_->active_profile->name
                                              : faults::kNoneProfileName);
  if (publish_) publish_(current_);
}

}  // namespace faultline::proxy
