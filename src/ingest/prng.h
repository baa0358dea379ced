// The seed generator's random numbers. Hand-written so the same seed gives the same customers on
// every platform: std:: distributions are implementation-defined and differ between standard
// libraries, and floating point is avoided altogether.
#pragma once

#include <cstdint>

namespace tr1l::ingest {

// SplitMix64 (Steele, Lea, Flood 2014): turns any 64-bit value into a well-mixed stream; used to
// seed xoshiro and to hash small integers.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t state) : state_(state) {}

  constexpr std::uint64_t next() {
    std::uint64_t mixed = (state_ += 0x9E3779B97F4A7C15ULL);
    mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBULL;
    return mixed ^ (mixed >> 31);
  }

 private:
  std::uint64_t state_;
};

constexpr std::uint64_t mix64(std::uint64_t value) { return SplitMix64(value).next(); }

// xoshiro256** (Blackman, Vigna 2018): fast, small state, excellent statistical quality.
class Xoshiro256 {
 public:
  explicit constexpr Xoshiro256(std::uint64_t seed) {
    SplitMix64 seeder(seed);
    for (std::uint64_t& word : state_) word = seeder.next();
  }

  constexpr std::uint64_t next() {
    const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    const std::uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotate_left(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), bound >= 1. Multiply-shift of the top 32 bits: the bias (below
  // bound / 2^32) is irrelevant for synthetic data, and the result is the same everywhere.
  constexpr std::uint32_t below(std::uint32_t bound) {
    return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
  }

  // Uniform in [low, high], both inclusive; the span must fit in 32 bits.
  constexpr std::int64_t between(std::int64_t low, std::int64_t high) {
    return low + below(static_cast<std::uint32_t>(high - low + 1));
  }

  // True with probability per_10000 / 10,000.
  constexpr bool chance(std::uint32_t per_10000) { return below(10'000) < per_10000; }

 private:
  static constexpr std::uint64_t rotate_left(std::uint64_t value, int bits) {
    return (value << bits) | (value >> (64 - bits));
  }

  std::uint64_t state_[4]{};
};

}  // namespace tr1l::ingest
