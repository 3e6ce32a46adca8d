#include "loadgen/shard.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace faultline::loadgen {

namespace {

bool to_unsigned(std::string_view text, unsigned& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// Exactly `width` decimal digits at `at`.
bool digits(std::string_view text, std::size_t at, std::size_t width, int& out) {
  if (at + width > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (the usual
// era-of-400-years computation).
std::int64_t days_from_civil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int year_of_era = static_cast<int>(year - era * 400);
  const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

std::string parse_rfc3339(std::string_view t, double& out) {
  const char* expected = "expected Unix seconds or an RFC 3339 time like 2026-01-01T12:00:00Z";
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(t, 0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(t, 5, 2, month) ||
      t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' ||
      !digits(t, 17, 2, second))
    return expected;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0) || hour > 23 || minute > 59 ||
      second > 60)
    return "not a valid date and time";
  std::size_t at = 19;
  double fraction = 0;
  if (at < t.size() && t[at] == '.') {
    double scale = 0.1;
    ++at;
    const std::size_t first = at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      fraction += (t[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first) return expected;
  }
  int offset_minutes = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int oh = 0, om = 0;
    if (!digits(t, at + 1, 2, oh) || at + 3 >= t.size() || t[at + 3] != ':' ||
        !digits(t, at + 4, 2, om) || oh > 23 || om > 59)
      return expected;
    offset_minutes = (t[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return "give the time zone (Z or +HH:MM): shards on other machines must agree on it";
  }
  if (at != t.size()) return expected;
  const std::int64_t days = days_from_civil(year, month, day);
  out =
      static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60) +
      fraction;
  return "";
}

}  // namespace

std::string parse_shard(std::string_view text, Shard& out) {
  const std::size_t slash = text.find('/');
  Shard shard;
  if (slash == std::string_view::npos || !to_unsigned(text.substr(0, slash), shard.index) ||
      !to_unsigned(text.substr(slash + 1), shard.count))
    return "expected i/N, e.g. 0/4 (shards are numbered from 0)";
  if (shard.count == 0) return "N must be at least 1";
  if (shard.index >= shard.count)
    return "i must be below N (shards are numbered 0 to " + std::to_string(shard.count - 1) + ")";
  out = shard;
  return "";
}

std::string parse_start_at(std::string_view text, double& unix_seconds) {
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value))
      return "expected Unix seconds or an RFC 3339 time like 2026-01-01T12:00:00Z";
    unix_seconds = value;
    return "";
  }
  return parse_rfc3339(text, unix_seconds);
}

unsigned shard_share(unsigned total, const Shard& shard) {
  return total / shard.count + (shard.index < total % shard.count ? 1 : 0);
}

std::vector<std::string> apply_shard(BenchPlan& plan, const Shard& shard) {
  std::vector<std::string> problems;
  const std::string name =
      "--shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count);
  if (plan.stress) {
    problems.push_back(name +
                       ": a stress run stops at the step its own results break, which shards "
                       "cannot agree on; run --stress from one generator");
    return problems;
  }
  if (plan.model == LoadModel::closed) {
    for (Stage& stage : plan.stages) stage.users = shard_share(stage.users, shard);
    if (plan.max_connections() == 0)
      problems.push_back(name + ": no stage has a user left for this shard (fewer users than " +
                         std::to_string(shard.count) + " shards)");
  }
  plan.connections = shard_share(plan.connections, shard);
  if (plan.model == LoadModel::open && plan.connections == 0)
    problems.push_back(name + ": fewer connections than shards leaves this shard none");
  plan.threads = std::max(1u, std::min(plan.threads, std::max(1u, plan.max_connections())));
  // Each shard's request mix draws differently, as one generator's workers do.
  plan.seed += shard.index * 0x9E3779B97F4A7C15ull;
  plan.shard = shard;
  return problems;
}

}  // namespace faultline::loadgen
