// Money is whole Korean won (KRW) held in a 64-bit integer; rates are exact decimal fractions.
// Nothing on a money path uses floating point: a rate such as 0.2750 is parsed from its decimal
// text into millionths, and "floor(amount x rate)" is computed in 128-bit integers.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tr1l::domain {

class Won {
 public:
  constexpr Won() = default;
  constexpr explicit Won(std::int64_t amount) : amount_(amount) {}

  constexpr std::int64_t amount() const { return amount_; }

  constexpr Won operator+(Won other) const { return Won(amount_ + other.amount_); }
  constexpr Won operator-(Won other) const { return Won(amount_ - other.amount_); }
  constexpr Won& operator+=(Won other) { amount_ += other.amount_; return *this; }
  constexpr Won& operator-=(Won other) { amount_ -= other.amount_; return *this; }
  constexpr auto operator<=>(const Won&) const = default;

 private:
  std::int64_t amount_ = 0;
};

// "66,000": thousands separators, no currency sign, minus sign for negative amounts.
std::string format_grouped(Won amount);

// A non-negative decimal fraction with at most six decimal places (0.25, 0.2750, 0.35).
class Rate {
 public:
  static constexpr std::int64_t kScale = 1'000'000;

  constexpr Rate() = default;
  static constexpr Rate from_millionths(std::int64_t millionths) { return Rate(millionths); }

  // Parses "0.25", "1", ".5", "0.2750". Rejects signs, exponents, more than six decimals, junk.
  static std::optional<Rate> parse(std::string_view text);

  constexpr std::int64_t millionths() const { return millionths_; }
  constexpr bool is_zero() const { return millionths_ == 0; }
  constexpr auto operator<=>(const Rate&) const = default;

  // floor(quantity x rate), exact for any quantity whose product fits in 128 bits.
  std::int64_t floor_times(std::int64_t quantity) const;
  Won floor_times(Won amount) const { return Won(floor_times(amount.amount())); }

  std::string to_string() const;  // shortest decimal form: "0.275", "0.25", "0"

 private:
  constexpr explicit Rate(std::int64_t millionths) : millionths_(millionths) {}
  std::int64_t millionths_ = 0;
};

}  // namespace tr1l::domain
