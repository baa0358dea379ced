#include "domain/money.h"

#include <cctype>

namespace tr1l::domain {

std::string format_grouped(Won amount) {
  std::int64_t value = amount.amount();
  const bool negative = value < 0;
  // Work on the unsigned magnitude so INT64_MIN does not overflow.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  std::string grouped;
  grouped.reserve(digits.size() + digits.size() / 3 + 1);
  if (negative) grouped.push_back('-');
  for (std::size_t index = 0; index < digits.size(); ++index) {
    if (index > 0 && (digits.size() - index) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[index]);
  }
  return grouped;
}

std::optional<Rate> Rate::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t whole = 0;
  std::size_t position = 0;
  bool any_digit = false;
  while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
    whole = whole * 10 + (text[position] - '0');
    if (whole > 1'000'000) return std::nullopt;  // no real rate is that large; keeps arithmetic safe
    any_digit = true;
    ++position;
  }
  std::int64_t fraction = 0;
  int fraction_digits = 0;
  if (position < text.size() && text[position] == '.') {
    ++position;
    while (position < text.size() && std::isdigit(static_cast<unsigned char>(text[position]))) {
      if (fraction_digits == 6) return std::nullopt;
      fraction = fraction * 10 + (text[position] - '0');
      ++fraction_digits;
      any_digit = true;
      ++position;
    }
  }
  if (!any_digit || position != text.size()) return std::nullopt;
  for (int padding = fraction_digits; padding < 6; ++padding) fraction *= 10;
  return Rate(whole * kScale + fraction);
}

std::int64_t Rate::floor_times(std::int64_t quantity) const {
  const __int128 product = static_cast<__int128>(quantity) * millionths_;
  __int128 quotient = product / kScale;
  // C++ division truncates toward zero; floor needs one less for negative non-exact results.
  if (product % kScale != 0 && product < 0) quotient -= 1;
  return static_cast<std::int64_t>(quotient);
}

std::string Rate::to_string() const {
  std::string text = std::to_string(millionths_ / kScale);
  std::int64_t fraction = millionths_ % kScale;
  if (fraction == 0) return text;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return text + "." + digits;
}

}  // namespace tr1l::domain
