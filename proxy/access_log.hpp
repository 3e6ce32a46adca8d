// One JSON object per request, on stdout ("-") or appended to a file.
#pragma once

#include <chrono>
#include <cstdint>
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
  // file cannot be opened.
  explicit AccessLog(const std::string& destination);
  ~AccessLog();
  void write(const AccessRecord& record);

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

std::string format_access_record(const AccessRecord& record);

}  // namespace faultline::proxy
