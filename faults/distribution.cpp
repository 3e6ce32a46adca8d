#include "faults/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace faultline::faults {
namespace {

double micros(Duration d) {
  return static_cast<double>(d.count());
}

// A uniform in (0, 1]: safe to take the logarithm of.
double uniform_nonzero(Rng& rng) {
  return 1.0 - rng.uniform01();
}

// Box-Muller, one of the pair: with u1 in (0, 1] the result is finite (|z| < 8.6).
// The second value of the pair is not kept, so a Distribution holds no state and
// every sample consumes exactly two uniforms.
double standard_normal(Rng& rng) {
  const double radius = std::sqrt(-2.0 * std::log(uniform_nonzero(rng)));
  return radius * std::cos(2.0 * std::numbers::pi * rng.uniform01());
}

double sample_micros(const FixedDelay& d, Rng&) {
  return micros(d.value);
}

double sample_micros(const UniformDelay& d, Rng& rng) {
  return micros(d.min) + rng.uniform01() * (micros(d.max) - micros(d.min));
}

double sample_micros(const NormalDelay& d, Rng& rng) {
  return micros(d.mean) + micros(d.stddev) * standard_normal(rng);
}

double sample_micros(const LognormalDelay& d, Rng& rng) {
  return micros(d.median) * std::exp(d.sigma * standard_normal(rng));
}

double sample_micros(const ParetoDelay& d, Rng& rng) {
  // Inverse CDF: F(x) = 1 - (scale/x)^shape  =>  x = scale * u^(-1/shape), u in (0, 1].
  return micros(d.scale) * std::pow(uniform_nonzero(rng), -1.0 / d.shape);
}

}  // namespace

Duration Distribution::sample(Rng& rng) const {
  double value = std::visit([&rng](const auto& d) { return sample_micros(d, rng); }, shape);
  double limit = micros(kDelayCeiling);
  if (cap) limit = std::min(limit, micros(*cap));
  // `!(value > 0)` also catches NaN; infinity (an exp or pow overflow) meets the limit.
  if (!(value > 0)) return Duration::zero();
  value = std::min(value, limit);
  return Duration(std::llround(value));
}

std::string_view Distribution::name() const {
  return kDistributionInfos[shape.index()].name;
}

}  // namespace faultline::faults
