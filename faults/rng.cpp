#include "faults/rng.hpp"

#include <random>

namespace faultline::faults {
namespace {

constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// SplitMix64's output function: a bijection that scatters nearby inputs far apart.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  // SplitMix64 fills the state, as the xoshiro authors recommend: the outputs of one
  // SplitMix64 stream are never all zero, the one state xoshiro cannot leave.
  for (auto& word : state_) {
    seed += kGoldenGamma;
    word = mix64(seed);
  }
}

Rng Rng::for_request(std::uint64_t seed, std::uint64_t sequence) {
  // mix64 is a bijection, so for one seed distinct sequence numbers give distinct keys;
  // the outer mix64 keeps consecutive requests' SplitMix64 streams from overlapping
  // (key and key + gamma would share three of their four state words).
  return Rng(mix64(mix64(seed) ^ sequence));
}

std::uint64_t Rng::next() {
  // xoshiro256** 1.0
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform01() {
  // The top 53 bits, scaled by 2^-53: every value is exactly representable.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) return 0;
  // Rejection from the largest multiple of `bound` that fits: unbiased, and the loop runs
  // more than once with probability < 1/2 even in the worst case.
  const std::uint64_t limit = max() - max() % bound;
  std::uint64_t value = next();
  while (value >= limit) value = next();
  return value % bound;
}

std::uint64_t resolve_seed(std::uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  std::uint64_t seed = 0;
  while (seed == 0) {
    seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  return seed;
}

}  // namespace faultline::faults
