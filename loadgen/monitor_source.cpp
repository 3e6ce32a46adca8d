#include "loadgen/monitor_source.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "loadgen/blocking_http_client.hpp"
#include "loadgen/target_url.hpp"
#include "metrics/process_metrics.hpp"

namespace faultline::loadgen {

namespace {

class UrlMonitor : public MonitorSource {
 public:
  UrlMonitor(TargetUrl url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {}

  std::string name() const override { return url_.text; }

  MonitorSample sample(std::string& error) override {
    MonitorSample s;
    const std::string body = fetch(error);
    if (error.empty()) error = parse_process_metrics(body, s);
    return s;
  }

 private:
  // The page through the same blocking client as the experiments' admin calls.
  std::string fetch(std::string& error) {
    HttpCall call;
    call.target = url_.path;
    call.host_header = url_.host_header;
    HttpAnswer answer;
    error = http_exchange(url_.host, url_.port, call, timeout_, answer);
    if (error.empty() && answer.status != 200)
      error = "HTTP status " + std::to_string(answer.status);
    return error.empty() ? std::move(answer.body) : std::string();
  }

  TargetUrl url_;
  std::chrono::milliseconds timeout_;
};

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class PidMonitor : public MonitorSource {
 public:
  explicit PidMonitor(int pid) : pid_(pid), dir_("/proc/" + std::to_string(pid)) {}

  std::string name() const override { return "pid " + std::to_string(pid_); }

  MonitorSample sample(std::string& error) override {
    MonitorSample s;
    const auto text = read_whole(dir_ + "/stat");
    const auto stat = text ? metrics::parse_proc_pid_stat(*text) : std::nullopt;
    if (!stat) return error = "cannot read " + dir_ + "/stat (has the process exited?)", s;
    std::uint64_t fds = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_ + "/fd", ec), end; !ec && it != end;
         it.increment(ec))
      ++fds;
    const long ticks = ::sysconf(_SC_CLK_TCK);
    const long page = ::sysconf(_SC_PAGESIZE);
    const metrics::ProcessSample p =
        metrics::make_process_sample(*stat, 0, ticks > 0 ? static_cast<std::uint64_t>(ticks) : 100,
                                     page > 0 ? static_cast<std::uint64_t>(page) : 4096, fds);
    s.ok = true;
    s.cpu_seconds = p.cpu_seconds;
    s.resident_bytes = p.resident_bytes;
    if (!ec) s.open_fds = fds;  // /proc/PID/fd of another user's process is not readable
    return s;
  }

 private:
  int pid_;
  std::string dir_;
};

}  // namespace

std::unique_ptr<MonitorSource> make_url_monitor(const std::string& url,
                                                std::chrono::milliseconds timeout,
                                                std::string& error) {
  TargetUrl parsed;
  if (error = parse_target_url(url, parsed); !error.empty()) return nullptr;
  return std::make_unique<UrlMonitor>(std::move(parsed), timeout);
}

std::unique_ptr<MonitorSource> make_pid_monitor(int pid, std::string& error) {
  auto monitor = std::make_unique<PidMonitor>(pid);
  monitor->sample(error);
  if (!error.empty()) return nullptr;
  return monitor;
}

}  // namespace faultline::loadgen
