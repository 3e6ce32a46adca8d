// One JSON object per request, on stdout ("-") or appended to a file.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace faultline::proxy {

// "2026-11-28T01:44:29.655Z": the access log's and the admin API's times.
std::string iso8601_utc(std::chrono::system_clock::time_point time);

struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request header arrived
  std::string_view route;                      // empty when no route matched
  std::string_view method;
  std::string_view path;
  unsigned status = 0;
  double upstream_ms = 0;        // send to last body byte; 0 when the upstream was not asked
  double total_ms = 0;           // as the client saw it
  std::uint64_t bytes_in = 0;    // request body bytes
  std::uint64_t bytes_out = 0;   // response body bytes
  std::string_view error;        // the cause when faultline answered for the upstream
  std::string_view faults;       // the fault rules applied ("a, b"), empty when none
  double injected_delay_ms = 0;  // time waited on purpose: delays and throttling
};

class AccessLog {
 public:
  // destination: "-" for stdout, else a file path (created or appended). Throws when the
  // file cannot be opened. A line that cannot be written later (a full disk) is lost, not
  // retried: `on_lost_line` is called for it, and the main log says so, at most every 10 s.
  explicit AccessLog(const std::string& destination, std::function<void()> on_lost_line = {});
  ~AccessLog();
  void write(const AccessRecord& record);

 private:
  void report_failure(const std::string& message);

  std::string destination_;
  std::function<void()> on_lost_line_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<std::int64_t> next_report_ns_{0};  // steady clock; rate-limits report_failure
};

std::string format_access_record(const AccessRecord& record);

}  // namespace faultline::proxy
