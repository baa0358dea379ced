// Calendar dates and billing months. Dates are civil dates (no time zone); ranges in the input
// data are inclusive at both ends.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace tr1l::domain {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Strict "YYYY-MM-DD" with a real calendar day (2024-02-29 yes, 2023-02-29 no).
  static std::optional<Date> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const Date&) const = default;
};

int days_in_month(int year, int month);

// A billing month, "YYYY-MM".
struct YearMonth {
  int year = 1970;
  int month = 1;

  static std::optional<YearMonth> parse(std::string_view text);
  std::string to_string() const;
  Date first_day() const { return {year, month, 1}; }
  Date last_day() const { return {year, month, days_in_month(year, month)}; }
  YearMonth next() const { return month == 12 ? YearMonth{year + 1, 1} : YearMonth{year, month + 1}; }
  auto operator<=>(const YearMonth&) const = default;
};

// True when the inclusive range [start, end] shares at least one day with `month`.
// A missing end means the range is still open.
bool overlaps_month(const Date& start, const std::optional<Date>& end, const YearMonth& month);

}  // namespace tr1l::domain
