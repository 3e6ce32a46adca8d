// The faultline_tcp_* families (README "Metrics"): per TCP proxy, connections by outcome,
// open connections, bytes per direction, upstream connect time, and faults injected.
//
// Recording follows single_writer.hpp, as ProxyMetrics does: the TCP worker `w` writes
// only stripe `w` of each cell, so the relay's per-chunk byte count is one relaxed store.
// Handles are looked up by name once per proxy start (the only place that locks) and stay
// valid for the life of the TcpMetrics: a proxy that is deleted keeps exporting its totals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "metrics/hdr_histogram.hpp"
#include "metrics/striped_counter.hpp"
#include "metrics/striped_histogram.hpp"

namespace faultline::metrics {

// faultline_tcp_connections_total{outcome}, counted when a connection ends.
enum class TcpOutcome : std::uint8_t {
  ok,              // relayed until one side closed
  upstream_error,  // the upstream could not be reached (refused, unresolvable, timed out)
  injected,        // a fault applied to it
  refused,         // accepted while the proxy was stopping, closed at once
};
inline constexpr std::size_t kTcpOutcomeCount = 4;
std::string_view to_string(TcpOutcome outcome) noexcept;

// faultline_tcp_bytes_total{direction}: bytes read from the client ("upstream") or from
// the upstream ("downstream"), Toxiproxy's names for the two streams.
enum class TcpDirection : std::uint8_t { upstream, downstream };
inline constexpr std::size_t kTcpDirectionCount = 2;

class TcpProxyMetrics {
 public:
  TcpProxyMetrics(std::string name, std::size_t stripes);
  const std::string& name() const { return name_; }

  void connection_opened(std::size_t stripe) noexcept { active_.add(stripe, 1); }
  void connection_closed(std::size_t stripe, TcpOutcome outcome) noexcept {
    active_.add(stripe, -1);
    connections_[static_cast<std::size_t>(outcome)].add(stripe);
  }
  void bytes(std::size_t stripe, TcpDirection direction, std::uint64_t n) noexcept {
    bytes_[static_cast<std::size_t>(direction)].add(stripe, n);
  }
  void connect_duration(std::size_t stripe, std::uint64_t micros) noexcept {
    connect_.record(stripe, micros);
  }

  std::uint64_t connections(TcpOutcome outcome) const {
    return connections_[static_cast<std::size_t>(outcome)].value();
  }
  std::int64_t active() const { return active_.value(); }
  std::uint64_t bytes(TcpDirection direction) const {
    return bytes_[static_cast<std::size_t>(direction)].value();
  }
  HdrHistogram connect_durations() const { return connect_.snapshot(); }

 private:
  std::string name_;
  std::array<StripedCounter, kTcpOutcomeCount> connections_;
  StripedGauge active_;
  std::array<StripedCounter, kTcpDirectionCount> bytes_;
  StripedHistogram connect_;
};

// One TCP proxy's numbers for GET /api/v1/stats.
struct TcpProxyStats {
  std::string proxy;
  std::array<std::uint64_t, kTcpOutcomeCount> connections{};
  std::int64_t active = 0;
  std::uint64_t bytes_upstream = 0;
  std::uint64_t bytes_downstream = 0;
  std::uint64_t connects = 0;
  double connect_p50 = 0, connect_p99 = 0, connect_max = 0;  // seconds
};

class TcpMetrics final : public prometheus::Collectable {
 public:
  explicit TcpMetrics(std::size_t stripes);
  ~TcpMetrics() override;
  std::size_t stripes() const { return stripes_; }

  TcpProxyMetrics& proxy(std::string_view name);
  StripedCounter& faults_injected(std::string_view proxy, std::string_view profile,
                                  std::string_view rule, std::string_view kind);

  std::vector<prometheus::MetricFamily> Collect() const override;
  std::vector<TcpProxyStats> stats() const;

 private:
  struct FaultKey {
    std::string proxy, profile, rule, kind;
    auto operator<=>(const FaultKey&) const = default;
  };
  std::size_t stripes_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<TcpProxyMetrics>, std::less<>> proxies_;
  std::map<FaultKey, std::unique_ptr<StripedCounter>> faults_;
};

// The Prometheus text of `families`.
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

}  // namespace faultline::metrics
