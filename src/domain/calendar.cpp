#include "domain/calendar.h"

#include <cstdio>

namespace tr1l::domain {
namespace {

bool parse_digits(std::string_view text, int& value) {
  value = 0;
  for (char character : text) {
    if (character < '0' || character > '9') return false;
    value = value * 10 + (character - '0');
  }
  return !text.empty();
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

}  // namespace

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  Date date;
  if (!parse_digits(text.substr(0, 4), date.year) || !parse_digits(text.substr(5, 2), date.month) ||
      !parse_digits(text.substr(8, 2), date.day)) {
    return std::nullopt;
  }
  if (date.year < 1 || date.month < 1 || date.month > 12) return std::nullopt;
  if (date.day < 1 || date.day > days_in_month(date.year, date.month)) return std::nullopt;
  return date;
}

std::string Date::to_string() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
  return buffer;
}

std::optional<YearMonth> YearMonth::parse(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  YearMonth month;
  if (!parse_digits(text.substr(0, 4), month.year) || !parse_digits(text.substr(5, 2), month.month)) {
    return std::nullopt;
  }
  if (month.year < 1 || month.month < 1 || month.month > 12) return std::nullopt;
  return month;
}

std::string YearMonth::to_string() const {
  // Delivery spells a month for every message and row key; snprintf's format parsing showed in
  // its profile, so the usual four-digit year is written digit by digit.
  if (year >= 0 && year <= 9999 && month >= 0 && month <= 99) {
    return {static_cast<char>('0' + year / 1000), static_cast<char>('0' + year / 100 % 10),
            static_cast<char>('0' + year / 10 % 10), static_cast<char>('0' + year % 10), '-',
            static_cast<char>('0' + month / 10), static_cast<char>('0' + month % 10)};
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", year, month);
  return buffer;
}

bool overlaps_month(const Date& start, const std::optional<Date>& end, const YearMonth& month) {
  return start <= month.last_day() && (!end || *end >= month.first_day());
}

}  // namespace tr1l::domain
