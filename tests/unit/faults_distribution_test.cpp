// Delay distributions against theory: sample mean and standard deviation within five
// standard errors, and a Kolmogorov-Smirnov test at alpha = 0.01 against each theoretical
// CDF (1e5 samples; reject when D > 1.628 / sqrt(n)). Seeds are fixed, so the tests are
// deterministic; the bounds say the sampler is right, not that this seed was lucky.
// FAULTLINE_PRINT_STATS=1 prints the measured values.
#include "faults/distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace faultline::faults {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kSamples = 100000;
// Kolmogorov's critical value for alpha = 0.01, large n.
const double kKsCritical = 1.628 / std::sqrt(static_cast<double>(kSamples));

bool print_stats() {
  const char* flag = std::getenv("FAULTLINE_PRINT_STATS");
  return flag != nullptr && std::string(flag) == "1";
}

std::vector<double> draw(const Distribution& distribution, std::uint64_t seed,
                         std::size_t count = kSamples) {
  Rng rng(seed);
  std::vector<double> samples(count);
  for (auto& sample : samples) sample = static_cast<double>(distribution.sample(rng).count());
  return samples;
}

struct Moments {
  double mean = 0;
  double stddev = 0;
};

Moments moments_of(const std::vector<double>& samples) {
  double sum = 0;
  for (double x : samples) sum += x;
  const double mean = sum / static_cast<double>(samples.size());
  double squares = 0;
  for (double x : samples) squares += (x - mean) * (x - mean);
  return {mean, std::sqrt(squares / static_cast<double>(samples.size() - 1))};
}

// Kolmogorov-Smirnov statistic D = sup |F_n(x) - F(x)|.
double ks_statistic(std::vector<double> samples, const std::function<double(double)>& cdf) {
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  double d = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double f = cdf(samples[i]);
    d = std::max({d, (static_cast<double>(i) + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

double standard_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

// Theory for one distribution: mean, standard deviation, kurtosis (for the standard
// error of the sample stddev: SE(s) ~ sigma / 2 * sqrt((kurtosis - 1) / n)) and CDF.
struct Theory {
  double mean;
  double stddev;
  double kurtosis;
  std::function<double(double)> cdf;
};

void expect_matches(const char* name, const std::vector<double>& samples, const Theory& theory) {
  const double n = static_cast<double>(samples.size());
  const Moments observed = moments_of(samples);
  const double mean_error = theory.stddev / std::sqrt(n);
  const double stddev_error = theory.stddev / 2 * std::sqrt((theory.kurtosis - 1) / n);
  const double d = ks_statistic(samples, theory.cdf);
  EXPECT_NEAR(observed.mean, theory.mean, 5 * mean_error) << name;
  EXPECT_NEAR(observed.stddev, theory.stddev, 5 * stddev_error) << name;
  EXPECT_LT(d, kKsCritical) << name;
  ::testing::Test::RecordProperty(std::string(name) + "_ks_d", std::to_string(d));
  if (print_stats()) {
    std::printf(
        "[ stats ] %-28s mean %10.1fus (theory %10.1f)  stddev %10.1fus (theory %10.1f)"
        "  KS D = %.5f (critical %.5f)\n",
        name, observed.mean, theory.mean, observed.stddev, theory.stddev, d, kKsCritical);
  }
}

void expect_ks_only(const char* name, const std::vector<double>& samples,
                    const std::function<double(double)>& cdf) {
  const double d = ks_statistic(samples, cdf);
  EXPECT_LT(d, kKsCritical) << name;
  if (print_stats()) {
    std::printf("[ stats ] %-28s KS D = %.5f (critical %.5f)\n", name, d, kKsCritical);
  }
}

TEST(FaultsDistribution, FixedAlwaysGivesItsValue) {
  const Distribution fixed{FixedDelay{40ms}, std::nullopt};
  Rng rng(1);
  const Rng before = rng;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(fixed.sample(rng), 40ms);
  EXPECT_EQ(rng, before);  // consumes no randomness
  EXPECT_EQ(fixed.name(), "fixed");
}

TEST(FaultsDistribution, UniformMatchesTheory) {
  const double a = 200'000, b = 700'000;  // jitter spikes of 200ms to 700ms
  const auto samples = draw(Distribution{UniformDelay{200ms, 700ms}, std::nullopt}, 11);
  for (double x : samples) ASSERT_TRUE(x >= a && x <= b) << x;
  expect_matches("uniform(200ms,700ms)", samples,
                 {(a + b) / 2, (b - a) / std::sqrt(12.0), 1.8,
                  [=](double x) { return std::clamp((x - a) / (b - a), 0.0, 1.0); }});
}

TEST(FaultsDistribution, NormalMatchesTheory) {
  const double mu = 40'000, sigma = 10'000;  // a base latency
  const auto samples = draw(Distribution{NormalDelay{40ms, 10ms}, std::nullopt}, 12);
  expect_matches("normal(40ms,10ms)", samples,
                 {mu, sigma, 3.0, [=](double x) { return standard_normal_cdf((x - mu) / sigma); }});
}

TEST(FaultsDistribution, LognormalMatchesTheory) {
  const double median = 40'000, s = 0.5;
  const double mean = median * std::exp(s * s / 2);
  const double stddev = mean * std::sqrt(std::exp(s * s) - 1);
  const double kurtosis =
      std::exp(4 * s * s) + 2 * std::exp(3 * s * s) + 3 * std::exp(2 * s * s) - 3;
  const auto samples = draw(Distribution{LognormalDelay{40ms, s}, std::nullopt}, 13);
  expect_matches("lognormal(40ms,0.5)", samples,
                 {mean, stddev, kurtosis, [=](double x) {
                    return x <= 0 ? 0.0 : standard_normal_cdf(std::log(x / median) / s);
                  }});
}

TEST(FaultsDistribution, ParetoMatchesTheory) {
  // Shape 5: finite mean, variance and kurtosis, so the moments can be checked too.
  const double scale = 10'000, alpha = 5;
  const double mean = alpha * scale / (alpha - 1);
  const double stddev = scale / (alpha - 1) * std::sqrt(alpha / (alpha - 2));
  const double excess = 6 * (alpha * alpha * alpha + alpha * alpha - 6 * alpha - 2) /
                        (alpha * (alpha - 3) * (alpha - 4));
  const auto cdf = [=](double x) { return x < scale ? 0.0 : 1 - std::pow(scale / x, alpha); };
  const auto samples = draw(Distribution{ParetoDelay{10ms, alpha}, std::nullopt}, 14);
  for (double x : samples) ASSERT_GE(x, scale);
  expect_matches("pareto(10ms,5)", samples, {mean, stddev, excess + 3, cdf});
}

TEST(FaultsDistribution, HeavyTailedParetoMatchesItsCdf) {
  // Shape 1.5 has no finite variance: only the KS test applies.
  const double scale = 10'000, alpha = 1.5;
  const auto samples = draw(Distribution{ParetoDelay{10ms, alpha}, std::nullopt}, 15);
  expect_ks_only("pareto(10ms,1.5)", samples,
                 [=](double x) { return x < scale ? 0.0 : 1 - std::pow(scale / x, alpha); });
}

TEST(FaultsDistribution, TheKsTestRejectsAWrongDistribution) {
  // The test has teeth: normal(40ms, 10ms) samples are not normal(41ms, 10ms).
  const auto samples = draw(Distribution{NormalDelay{40ms, 10ms}, std::nullopt}, 16);
  const double d =
      ks_statistic(samples, [](double x) { return standard_normal_cdf((x - 41'000) / 10'000); });
  EXPECT_GT(d, kKsCritical);
}

TEST(FaultsDistribution, MaxCapsEverySampleAndTheExcessSitsAtTheCap) {
  // lognormal(40ms, 1) capped at 100ms: P(X > 100ms) = 1 - Phi(ln 2.5) = 0.1797.
  const Distribution capped{LognormalDelay{40ms, 1.0}, 100ms};
  const auto samples = draw(capped, 17);
  std::size_t at_cap = 0;
  for (double x : samples) {
    ASSERT_LE(x, 100'000);
    if (x == 100'000) ++at_cap;
  }
  const double p = 1 - standard_normal_cdf(std::log(2.5));
  const double n = static_cast<double>(samples.size());
  EXPECT_NEAR(static_cast<double>(at_cap), n * p, 3.29 * std::sqrt(n * p * (1 - p)));
  // Below the cap the distribution is untouched: the samples under it follow the
  // lognormal CDF conditioned on X < 100ms.
  std::vector<double> below;
  for (double x : samples) {
    if (x < 100'000) below.push_back(x);
  }
  const double d = ks_statistic(
      below, [p](double x) { return standard_normal_cdf(std::log(x / 40'000)) / (1 - p); });
  EXPECT_LT(d, 1.628 / std::sqrt(static_cast<double>(below.size())));
  if (print_stats()) {
    std::printf(
        "[ stats ] %-28s KS D = %.5f (critical %.5f) below the cap, %.4f at the cap "
        "(theory %.4f)\n",
        "lognormal(40ms,1) max 100ms", d, 1.628 / std::sqrt(static_cast<double>(below.size())),
        static_cast<double>(at_cap) / n, p);
  }
}

TEST(FaultsDistribution, NoSampleIsEverNegative) {
  // normal(1ms, 10ms): 46 % of the raw draws are negative; they become 0.
  const auto samples = draw(Distribution{NormalDelay{1ms, 10ms}, std::nullopt}, 18);
  std::size_t zeros = 0;
  for (double x : samples) {
    ASSERT_GE(x, 0);
    if (x == 0) ++zeros;
  }
  const double p = standard_normal_cdf(-0.1);
  const double n = static_cast<double>(samples.size());
  EXPECT_NEAR(static_cast<double>(zeros), n * p, 3.29 * std::sqrt(n * p * (1 - p)));
}

TEST(FaultsDistribution, UncappedTailsStopAtTheCeiling) {
  // pareto shape 0.05 reaches 2^53^20 us without a cap: every sample stays finite.
  const auto samples = draw(Distribution{ParetoDelay{1ms, 0.05}, std::nullopt}, 19, 10000);
  const double ceiling = static_cast<double>(kDelayCeiling.count());
  EXPECT_EQ(*std::max_element(samples.begin(), samples.end()), ceiling);
  const auto huge = draw(Distribution{LognormalDelay{1s, 50.0}, std::nullopt}, 20, 10000);
  for (double x : huge) ASSERT_TRUE(x >= 0 && x <= ceiling);
}

TEST(FaultsDistribution, SameSeedSameSamples) {
  const Distribution normal{NormalDelay{40ms, 10ms}, 80ms};
  EXPECT_EQ(draw(normal, 5, 1000), draw(normal, 5, 1000));
  EXPECT_NE(draw(normal, 5, 1000), draw(normal, 6, 1000));
}

TEST(FaultsDistribution, EachShapeConsumesAFixedNumberOfUniforms) {
  const auto consumed = [](const Distribution& d) {
    Rng rng(9);
    d.sample(rng);
    for (int count = 0; count <= 4; ++count) {
      Rng reference(9);
      for (int i = 0; i < count; ++i) reference.next();
      if (reference == rng) return count;
    }
    return -1;
  };
  EXPECT_EQ(consumed({FixedDelay{1ms}, std::nullopt}), 0);
  EXPECT_EQ(consumed({UniformDelay{1ms, 2ms}, std::nullopt}), 1);
  EXPECT_EQ(consumed({NormalDelay{1ms, 2ms}, std::nullopt}), 2);
  EXPECT_EQ(consumed({LognormalDelay{1ms, 0.5}, std::nullopt}), 2);
  EXPECT_EQ(consumed({ParetoDelay{1ms, 1.5}, std::nullopt}), 1);
}

TEST(FaultsDistribution, EachShapeIsNamedByItsRegistryEntry) {
  EXPECT_EQ((Distribution{UniformDelay{}, std::nullopt}.name()), "uniform");
  EXPECT_EQ((Distribution{NormalDelay{}, std::nullopt}.name()), "normal");
  EXPECT_EQ((Distribution{LognormalDelay{}, std::nullopt}.name()), "lognormal");
  EXPECT_EQ((Distribution{ParetoDelay{}, std::nullopt}.name()), "pareto");
  EXPECT_EQ(kDistributionInfos.size(), std::variant_size_v<DistributionShape>);
}

}  // namespace
}  // namespace faultline::faults
