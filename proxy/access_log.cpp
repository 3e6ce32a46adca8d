#include "proxy/access_log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace faultline::proxy {

namespace {

// JSON text must be UTF-8, but a request path may carry any byte above 0x7f: each byte
// that does not start or continue a well-formed sequence becomes U+FFFD.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size;) {
    const unsigned char lead = bytes[i];
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xc2 && lead <= 0xdf ? 2
                         : lead >= 0xe0 && lead <= 0xef ? 3
                         : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                        : 0;
    bool well_formed = length != 0 && i + length <= size;
    for (std::size_t k = 1; well_formed && k < length; ++k) {
      well_formed = (bytes[i + k] & 0xc0) == 0x80;
    }
    if (well_formed && length >= 3) {
      // No overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629 §4).
      const unsigned char second = bytes[i + 1];
      if ((lead == 0xe0 && second < 0xa0) || (lead == 0xed && second > 0x9f) ||
          (lead == 0xf0 && second < 0x90) || (lead == 0xf4 && second > 0x8f)) {
        well_formed = false;
      }
    }
    if (!well_formed) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

double round_to_microseconds(double milliseconds) {
  return static_cast<double>(static_cast<std::int64_t>(milliseconds * 1000.0 + 0.5)) / 1000.0;
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto millis = duration_cast<milliseconds>(time.time_since_epoch()).count() % 1000;
  std::time_t seconds = system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

std::string format_access_record(const AccessRecord& record) {
  boost::json::object line;
  line["time"] = iso8601_utc(record.time);
  line["route"] = record.route;
  line["method"] = record.method;
  line["path"] = valid_utf8(record.path);
  line["status"] = record.status;
  line["upstream_ms"] = round_to_microseconds(record.upstream_ms);
  line["total_ms"] = round_to_microseconds(record.total_ms);
  line["bytes_in"] = record.bytes_in;
  line["bytes_out"] = record.bytes_out;
  if (!record.error.empty()) line["error"] = valid_utf8(record.error);
  if (!record.faults.empty()) {
    line["faults"] = valid_utf8(record.faults);
    line["injected_delay_ms"] = round_to_microseconds(record.injected_delay_ms);
  }
  return boost::json::serialize(line);
}

namespace {

// Set by the logger's error handler, which runs on the thread that wrote the line: one line
// may fail twice (its write, then its flush) but is one lost line.
thread_local bool line_failed = false;

constexpr std::chrono::seconds kReportEvery{10};

}  // namespace

AccessLog::AccessLog(const std::string& destination, std::function<void()> on_lost_line)
    : destination_(destination), on_lost_line_(std::move(on_lost_line)) {
  if (destination == "-") {
    logger_ = std::make_shared<spdlog::logger>("access",
                                               std::make_shared<spdlog::sinks::stdout_sink_mt>());
  } else {
    logger_ = std::make_shared<spdlog::logger>(
        "access", std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination));
  }
  logger_->set_pattern("%v");
  logger_->flush_on(spdlog::level::info);
  // spdlog's own handler would print every failure to stderr; proxying goes on either way.
  logger_->set_error_handler([this](const std::string& message) {
    line_failed = true;
    report_failure(message);
  });
}

AccessLog::~AccessLog() = default;

void AccessLog::write(const AccessRecord& record) {
  line_failed = false;
  logger_->info(format_access_record(record));
  if (line_failed && on_lost_line_) on_lost_line_();
}

void AccessLog::report_failure(const std::string& message) {
  using std::chrono::nanoseconds;
  const std::int64_t now =
      std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  std::int64_t due = next_report_ns_.load(std::memory_order_relaxed);
  if (now < due) return;
  const std::int64_t next = now + nanoseconds(kReportEvery).count();
  if (!next_report_ns_.compare_exchange_strong(due, next, std::memory_order_relaxed)) return;
  spdlog::error(
      "access log {}: {}; lines that cannot be written are lost and counted in "
      "faultline_access_log_errors_total",
      destination_, message);
}

}  // namespace faultline::proxy
