// The one source of randomness of fault decisions: an explicit, seedable generator
// (xoshiro256**, seeded through SplitMix64; https://prng.di.unimi.it/). It is a plain
// value with no global state, so a decision is a pure function of the seed it was given.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace faultline::faults {

class Rng {
 public:
  using result_type = std::uint64_t;

  // Any seed is valid, 0 included (the "0 = random" convention of the config belongs to
  // resolve_seed below, not to the generator).
  explicit Rng(std::uint64_t seed);

  // The generator for the `sequence`-th request (0, 1, 2, ... in arrival order) of a
  // process seeded with `seed`. Each request gets its own independent stream, so its
  // decision depends only on (seed, sequence), never on which thread makes it or on how
  // many random numbers other requests consumed. This is the recommended way to use Rng
  // in the proxy: an atomic counter hands out `sequence`, no lock is needed.
  static Rng for_request(std::uint64_t seed, std::uint64_t sequence);

  // The next 64 random bits.
  std::uint64_t next();
  // A double uniformly distributed in [0, 1), with 53 random bits.
  double uniform01();
  // An integer uniformly distributed in [0, bound), without modulo bias; 0 when bound is 0.
  // (For the proxy: which body bytes `corrupt` flips.)
  std::uint64_t below(std::uint64_t bound);

  // UniformRandomBitGenerator, for std::shuffle and friends.
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next(); }

  bool operator==(const Rng&) const = default;

 private:
  std::array<std::uint64_t, 4> state_;
};

// The seed to run with: `configured` when it is not 0, otherwise a fresh random seed
// from std::random_device (never 0, so logging it lets a run be replayed with seed = N).
// Called once at start-up and on reload, never inside decide().
std::uint64_t resolve_seed(std::uint64_t configured);

}  // namespace faultline::faults
