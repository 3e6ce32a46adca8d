// Where --monitor and --monitor-pid samples come from: a Prometheus endpoint fetched with
// one blocking HTTP/1.1 GET per sample (bounded by a timeout; the workers keep sending
// meanwhile), or /proc/PID on this machine. A failed sample is a sample with ok = false
// and the reason in `error`, never an exception: the run goes on without it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "loadgen/monitor.hpp"

namespace faultline::loadgen {

class MonitorSource {
 public:
  virtual ~MonitorSource() = default;
  virtual MonitorSample sample(std::string& error) = 0;
  virtual std::string name() const = 0;
};

// `url` is http://host:port/path. Returns nullptr and an error when the URL is not one.
std::unique_ptr<MonitorSource> make_url_monitor(const std::string& url,
                                                std::chrono::milliseconds timeout,
                                                std::string& error);
// Returns nullptr and an error when /proc/PID cannot be read.
std::unique_ptr<MonitorSource> make_pid_monitor(int pid, std::string& error);

}  // namespace faultline::loadgen
