// The access log line: one JSON object per request, read by log pipelines (jq, Loki).
#include "proxy/access_log.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace faultline::proxy {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// 2024-02-29T13:05:07.089999Z: a leap day, with sub-millisecond digits to drop.
const system_clock::time_point kLeapDayAfternoon =
    sys_days{year{2024} / February / 29} + 13h + 5min + 7s + 89ms + 999us;

AccessRecord typical_record() {
  AccessRecord record;
  record.time = kLeapDayAfternoon;
  record.route = "api";
  record.method = "GET";
  record.path = "/api/users";
  record.status = 200;
  record.upstream_ms = 12.5;
  record.total_ms = 13.25;
  record.bytes_in = 0;
  record.bytes_out = 512;
  return record;
}

boost::json::object parsed_line(const AccessRecord& record) {
  const std::string line = format_access_record(record);
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(line, error);
  EXPECT_FALSE(error) << "not JSON: " << line << " (" << error.message() << ")";
  EXPECT_TRUE(value.is_object()) << line;
  return value.is_object() ? value.as_object() : boost::json::object{};
}

std::vector<std::string> keys_of(const boost::json::object& object) {
  std::vector<std::string> keys;
  for (const auto& entry : object) keys.emplace_back(entry.key());
  return keys;
}

std::int64_t integer_at(const boost::json::object& object, std::string_view key) {
  return object.at(key).to_number<std::int64_t>();
}

TEST(AccessLog, LineIsOneJsonObjectWithTheDocumentedKeysInOrder) {
  const std::string line = format_access_record(typical_record());
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one record, one line";
  EXPECT_EQ(keys_of(parsed_line(typical_record())),
            (std::vector<std::string>{"time", "route", "method", "path", "status", "upstream_ms",
                                      "total_ms", "bytes_in", "bytes_out"}));
}

TEST(AccessLog, FieldsCarryTheRecordValues) {
  AccessRecord record = typical_record();
  record.method = "POST";
  record.status = 503;
  record.bytes_in = 1024;
  record.bytes_out = 5'000'000'000;  // more than 32 bits
  const auto line = parsed_line(record);
  EXPECT_EQ(line.at("route").as_string(), "api");
  EXPECT_EQ(line.at("method").as_string(), "POST");
  EXPECT_EQ(line.at("path").as_string(), "/api/users");
  EXPECT_EQ(integer_at(line, "status"), 503);
  EXPECT_EQ(integer_at(line, "bytes_in"), 1024);
  EXPECT_EQ(line.at("bytes_out").to_number<std::uint64_t>(), 5'000'000'000u);
  EXPECT_EQ(line.at("upstream_ms").to_number<double>(), 12.5);
  EXPECT_EQ(line.at("total_ms").to_number<double>(), 13.25);
}

TEST(AccessLog, TimeIsIso8601UtcWithMillisecondsAndZ) {
  EXPECT_EQ(parsed_line(typical_record()).at("time").as_string(), "2024-02-29T13:05:07.089Z");

  AccessRecord epoch = typical_record();
  epoch.time = system_clock::time_point{};
  EXPECT_EQ(parsed_line(epoch).at("time").as_string(), "1970-01-01T00:00:00.000Z");

  AccessRecord new_year = typical_record();
  new_year.time = sys_days{year{2025} / January / 1} - 1ms;
  EXPECT_EQ(parsed_line(new_year).at("time").as_string(), "2024-12-31T23:59:59.999Z");
}

// Sets TZ for one test and restores it, so the rest of the binary keeps its zone.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) previous_ = old;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (previous_) {
      setenv("TZ", previous_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> previous_;
};

TEST(AccessLog, TimeIsUtcWhateverTheLocalTimeZone) {
  const ScopedTimeZone five_hours_west("XST+5");  // POSIX TZ rule, needs no tzdata
  EXPECT_EQ(parsed_line(typical_record()).at("time").as_string(), "2024-02-29T13:05:07.089Z");
}

TEST(AccessLog, DurationsAreRoundedToMicroseconds) {
  AccessRecord record = typical_record();
  record.upstream_ms = 12.3456789;
  record.total_ms = 0.0014;
  auto line = parsed_line(record);
  EXPECT_EQ(line.at("upstream_ms").to_number<double>(), 12.346);
  EXPECT_EQ(line.at("total_ms").to_number<double>(), 0.001);

  record.upstream_ms = 0;  // the upstream was not asked
  record.total_ms = 1500.0000004;
  line = parsed_line(record);
  EXPECT_EQ(line.at("upstream_ms").to_number<double>(), 0.0);
  EXPECT_EQ(line.at("total_ms").to_number<double>(), 1500.0);
}

TEST(AccessLog, ErrorKeyAppearsOnlyWhenTheProxyAnsweredForTheUpstream) {
  EXPECT_FALSE(parsed_line(typical_record()).contains("error"));

  AccessRecord failed = typical_record();
  failed.status = 504;
  failed.error = "upstream timeout";
  const auto line = parsed_line(failed);
  EXPECT_EQ(line.at("error").as_string(), "upstream timeout");
  EXPECT_EQ(keys_of(line).back(), "error");
}

TEST(AccessLog, UnmatchedRouteIsLoggedAsEmptyString) {
  AccessRecord record = typical_record();
  record.route = "";
  record.status = 404;
  EXPECT_EQ(parsed_line(record).at("route").as_string(), "");
}

TEST(AccessLog, PathWithQuotesBackslashesAndControlCharactersIsEscaped) {
  const std::string_view hostile_path = "/a\"b\\c\nd\te\x01\x1f";
  AccessRecord record = typical_record();
  record.path = hostile_path;
  record.error = "bad \"target\"\r\n";
  const std::string text = format_access_record(record);
  for (char c : text) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control character in: " << text;
  }
  EXPECT_NE(text.find(R"(\"b\\c\nd\te)"), std::string::npos) << text;
  const auto line = parsed_line(record);
  EXPECT_EQ(line.at("path").as_string(), hostile_path);
  EXPECT_EQ(line.at("error").as_string(), "bad \"target\"\r\n");
}

TEST(AccessLog, PathCannotInjectExtraKeys) {
  AccessRecord record = typical_record();
  record.path = R"(/x","status":200,"route":"admin)";
  record.status = 404;
  const auto line = parsed_line(record);
  EXPECT_EQ(integer_at(line, "status"), 404);
  EXPECT_EQ(line.at("route").as_string(), "api");
  EXPECT_EQ(line.at("path").as_string(), record.path);
}

TEST(AccessLog, Utf8PathIsKeptReadable) {
  AccessRecord record = typical_record();
  record.path = "/caf\xc3\xa9";  // "/café"
  EXPECT_EQ(parsed_line(record).at("path").as_string(), "/caf\xc3\xa9");
}

// Beast and parse_request_target accept raw bytes >= 0x80 in a request target
// ("GET /caf\xe9 HTTP/1.1"): the log replaces what is not UTF-8, so JSON parsers (Boost.JSON,
// jq) still read the line.
TEST(AccessLog, PathThatIsNotUtf8StillYieldsAParsableLine) {
  AccessRecord record = typical_record();
  record.path = "/caf\xe9";  // Latin-1 "é"
  const std::string line = format_access_record(record);
  boost::system::error_code error;
  boost::json::parse(line, error);
  EXPECT_FALSE(error) << line;
}

}  // namespace
}  // namespace faultline::proxy
