// Delay distributions: how long a delay rule waits. Settings only (parsed once, shared
// by every request); sample() draws one delay from a caller's Rng.
//
// Sampling is done here from uniform doubles (inverse CDF, Box-Muller) rather than with
// <random>'s distributions, whose algorithms the standard leaves to each library: the
// same seed gives the same delays with libstdc++ and libc++. Each draw consumes a fixed
// number of uniforms: fixed 0, uniform 1, normal 2, lognormal 2, pareto 1.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "base/units.hpp"
#include "faults/rng.hpp"

namespace faultline::faults {

// No sample exceeds this, whatever the distribution (a pareto or lognormal tail without
// a `max` reaches years): a delay longer than a day is a hang, and `hang` says so.
inline constexpr Duration kDelayCeiling = std::chrono::hours(24);

// What each shape declares about itself: its config name and the keys it takes, so the
// loader's list, its messages and the JSON writer need no list of their own.
struct DistributionInfo {
  std::string_view name;
  std::string_view takes;  // "mean and stddev"
};

struct FixedDelay {
  static constexpr DistributionInfo info{"fixed", "value"};
  Duration value;
  bool operator==(const FixedDelay&) const = default;
};

// Every value in [min, max] equally likely.
struct UniformDelay {
  static constexpr DistributionInfo info{"uniform", "min and max"};
  Duration min;
  Duration max;
  bool operator==(const UniformDelay&) const = default;
};

// Gaussian; samples below zero become zero.
struct NormalDelay {
  static constexpr DistributionInfo info{"normal", "mean and stddev"};
  Duration mean;
  Duration stddev;
  bool operator==(const NormalDelay&) const = default;
};

// exp(N(ln median, sigma^2)): half the samples are below `median`; sigma (> 0, no unit)
// sets the tail: the 99th percentile is median * e^(2.33 sigma).
struct LognormalDelay {
  static constexpr DistributionInfo info{"lognormal", "median and sigma"};
  Duration median;
  double sigma;
  bool operator==(const LognormalDelay&) const = default;
};

// Pareto type I: never below `scale`, P(X > x) = (scale / x)^shape. A small shape
// (1 to 2) gives the rare, very long stalls of real networks.
struct ParetoDelay {
  static constexpr DistributionInfo info{"pareto", "scale and shape"};
  Duration scale;
  double shape;
  bool operator==(const ParetoDelay&) const = default;
};

// The registry of shapes: adding one is a struct above and an entry here.
using DistributionShape =
    std::variant<FixedDelay, UniformDelay, NormalDelay, LognormalDelay, ParetoDelay>;

inline constexpr auto kDistributionInfos = [] {
  std::array<DistributionInfo, std::variant_size_v<DistributionShape>> infos{};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((infos[I] = std::variant_alternative_t<I, DistributionShape>::info), ...);
  }
  (std::make_index_sequence<std::variant_size_v<DistributionShape>>{});
  return infos;
}();

struct Distribution {
  DistributionShape shape;
  // The TOML `max`: samples above it become `cap`. (For uniform, `max` is the upper
  // bound itself and cap stays empty.)
  std::optional<Duration> cap;

  // One delay, in [0, min(cap, kDelayCeiling)], rounded to the nearest microsecond.
  Duration sample(Rng& rng) const;

  // "fixed", "uniform", "normal", "lognormal" or "pareto", as written in the config.
  std::string_view name() const;

  bool operator==(const Distribution&) const = default;
};

}  // namespace faultline::faults
