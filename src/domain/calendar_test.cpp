#include "domain/calendar.h"

#include <gtest/gtest.h>

#include <optional>

namespace tr1l::domain {
namespace {

Date date(const char* text) {
  auto parsed = Date::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Date{});
}

YearMonth month(const char* text) {
  auto parsed = YearMonth::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(YearMonth{});
}

// ---------------------------------------------------------------------------------------------
// Date::parse

TEST(DateParse, StrictIsoDate) {
  auto parsed = Date::parse("2026-01-05");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->year, 2026);
  EXPECT_EQ(parsed->month, 1);
  EXPECT_EQ(parsed->day, 5);
  EXPECT_EQ(*Date::parse("0001-01-01"), (Date{1, 1, 1}));
  EXPECT_EQ(*Date::parse("9999-12-31"), (Date{9999, 12, 31}));
}

TEST(DateParse, RejectsLooseFormats) {
  for (const char* text : {"", "2026-1-05", "2026-01-5", "26-01-05", "2026/01/05", "2026-01-05 ", " 2026-01-05",
                           "2026-01-05T00:00", "20260105", "2026-01--5", "2026-+1-05", "2026-01-0a", "abcd-ef-gh",
                           "02026-01-05", "2026-001-05", "2026_01_05", "2026-01-05\n"}) {
    EXPECT_FALSE(Date::parse(text).has_value()) << "'" << text << "'";
  }
}

TEST(DateParse, RejectsDaysThatDoNotExist) {
  EXPECT_FALSE(Date::parse("2026-13-01").has_value());
  EXPECT_FALSE(Date::parse("2026-00-10").has_value());
  EXPECT_FALSE(Date::parse("2026-01-00").has_value());
  EXPECT_FALSE(Date::parse("2026-01-32").has_value());
  EXPECT_FALSE(Date::parse("2026-04-31").has_value());
  EXPECT_FALSE(Date::parse("2026-06-31").has_value());
  EXPECT_FALSE(Date::parse("2026-09-31").has_value());
  EXPECT_FALSE(Date::parse("2026-11-31").has_value());
  EXPECT_FALSE(Date::parse("0000-01-01").has_value());
  EXPECT_TRUE(Date::parse("2026-01-31").has_value());
  EXPECT_TRUE(Date::parse("2026-04-30").has_value());
  EXPECT_TRUE(Date::parse("2026-12-31").has_value());
}

TEST(DateParse, LeapYears) {
  EXPECT_TRUE(Date::parse("2024-02-29").has_value());
  EXPECT_FALSE(Date::parse("2023-02-29").has_value());
  EXPECT_FALSE(Date::parse("2024-02-30").has_value());
  EXPECT_FALSE(Date::parse("1900-02-29").has_value());  // divisible by 100, not by 400
  EXPECT_TRUE(Date::parse("2000-02-29").has_value());   // divisible by 400
  EXPECT_FALSE(Date::parse("2100-02-29").has_value());
  EXPECT_TRUE(Date::parse("2028-02-29").has_value());
  EXPECT_TRUE(Date::parse("2023-02-28").has_value());
}

TEST(DateToString, ZeroPadded) {
  EXPECT_EQ((Date{2026, 1, 5}).to_string(), "2026-01-05");
  EXPECT_EQ((Date{1, 2, 3}).to_string(), "0001-02-03");
  EXPECT_EQ(date("2024-02-29").to_string(), "2024-02-29");
}

TEST(DateCompare, ChronologicalOrder) {
  EXPECT_LT(date("2025-12-31"), date("2026-01-01"));
  EXPECT_LT(date("2026-01-31"), date("2026-02-01"));
  EXPECT_LT(date("2026-02-01"), date("2026-02-02"));
  EXPECT_EQ(date("2026-02-01"), (Date{2026, 2, 1}));
  EXPECT_GT(date("2027-01-01"), date("2026-12-31"));
}

// ---------------------------------------------------------------------------------------------
// days_in_month

TEST(DaysInMonth, EveryMonth) {
  const int common[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    EXPECT_EQ(days_in_month(2025, m), common[m - 1]) << m;
    EXPECT_EQ(days_in_month(2024, m), m == 2 ? 29 : common[m - 1]) << m;
  }
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2100, 2), 28);
  EXPECT_EQ(days_in_month(2400, 2), 29);
}

// ---------------------------------------------------------------------------------------------
// YearMonth

TEST(YearMonthParse, StrictFormat) {
  EXPECT_EQ(month("2026-10"), (YearMonth{2026, 10}));
  EXPECT_EQ(month("2026-01"), (YearMonth{2026, 1}));
  EXPECT_EQ(month("2026-12"), (YearMonth{2026, 12}));
  for (const char* text : {"", "2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "2026-01 ",
                           "202601", "2026--1", "abcd-ef", "0000-01"}) {
    EXPECT_FALSE(YearMonth::parse(text).has_value()) << "'" << text << "'";
  }
}

TEST(YearMonthToString, ZeroPadded) {
  EXPECT_EQ((YearMonth{2026, 3}).to_string(), "2026-03");
  EXPECT_EQ((YearMonth{2026, 11}).to_string(), "2026-11");
  EXPECT_EQ((YearMonth{1, 1}).to_string(), "0001-01");
  EXPECT_EQ((YearMonth{9999, 12}).to_string(), "9999-12");
}

TEST(YearMonthToString, OutsideFourDigitsIsSpelledInFull) {
  // Not valid months (parse refuses them), but spelled out rather than truncated.
  EXPECT_EQ((YearMonth{12026, 1}).to_string(), "12026-01");
  EXPECT_EQ((YearMonth{2026, 123}).to_string(), "2026-123");
  EXPECT_EQ((YearMonth{-1, 1}).to_string(), "-001-01");
}

TEST(YearMonthToString, EveryMonthOfACenturyMatchesParse) {
  for (int year = 1990; year < 2100; ++year) {
    for (int month = 1; month <= 12; ++month) {
      const YearMonth value{year, month};
      EXPECT_EQ(YearMonth::parse(value.to_string()), value) << value.to_string();
    }
  }
}

TEST(YearMonthNext, RollsOverTheYear) {
  EXPECT_EQ(month("2026-01").next(), month("2026-02"));
  EXPECT_EQ(month("2026-11").next(), month("2026-12"));
  EXPECT_EQ(month("2026-12").next(), month("2027-01"));
}

TEST(YearMonthDays, FirstAndLastDay) {
  EXPECT_EQ(month("2026-01").first_day(), date("2026-01-01"));
  EXPECT_EQ(month("2026-01").last_day(), date("2026-01-31"));
  EXPECT_EQ(month("2026-04").last_day(), date("2026-04-30"));
  EXPECT_EQ(month("2024-02").last_day(), date("2024-02-29"));
  EXPECT_EQ(month("2025-02").last_day(), date("2025-02-28"));
  EXPECT_EQ(month("1900-02").last_day(), date("1900-02-28"));
  EXPECT_EQ(month("2000-02").last_day(), date("2000-02-29"));
  EXPECT_EQ(month("2026-12").last_day(), date("2026-12-31"));
}

TEST(YearMonthCompare, ChronologicalOrder) {
  EXPECT_LT(month("2025-12"), month("2026-01"));
  EXPECT_LT(month("2026-01"), month("2026-02"));
}

// ---------------------------------------------------------------------------------------------
// overlaps_month (ranges inclusive at both ends)

TEST(OverlapsMonth, RangeInsideAroundOrTouchingTheMonth) {
  const YearMonth m = month("2026-03");
  EXPECT_TRUE(overlaps_month(date("2026-03-10"), date("2026-03-20"), m));
  EXPECT_TRUE(overlaps_month(date("2025-01-01"), date("2027-01-01"), m));
  EXPECT_TRUE(overlaps_month(date("2026-03-01"), date("2026-03-31"), m));
  // Touching exactly the first or the last day.
  EXPECT_TRUE(overlaps_month(date("2025-01-01"), date("2026-03-01"), m));
  EXPECT_TRUE(overlaps_month(date("2026-03-31"), date("2027-01-01"), m));
  EXPECT_TRUE(overlaps_month(date("2026-03-01"), date("2026-03-01"), m));
  EXPECT_TRUE(overlaps_month(date("2026-03-31"), date("2026-03-31"), m));
}

TEST(OverlapsMonth, OneDayOutsideDoesNotOverlap) {
  const YearMonth m = month("2026-03");
  EXPECT_FALSE(overlaps_month(date("2025-01-01"), date("2026-02-28"), m));  // ends the day before
  EXPECT_FALSE(overlaps_month(date("2026-04-01"), date("2027-01-01"), m));  // starts the day after
  EXPECT_FALSE(overlaps_month(date("2026-04-01"), std::nullopt, m));
  EXPECT_FALSE(overlaps_month(date("2026-02-28"), date("2026-02-28"), m));
}

TEST(OverlapsMonth, OpenEnd) {
  const YearMonth m = month("2026-03");
  EXPECT_TRUE(overlaps_month(date("2020-01-01"), std::nullopt, m));
  EXPECT_TRUE(overlaps_month(date("2026-03-31"), std::nullopt, m));
  EXPECT_TRUE(overlaps_month(date("2026-03-01"), std::nullopt, m));
}

TEST(OverlapsMonth, LeapFebruary) {
  EXPECT_TRUE(overlaps_month(date("2024-02-29"), date("2024-03-10"), month("2024-02")));
  EXPECT_FALSE(overlaps_month(date("2024-03-01"), date("2024-03-10"), month("2024-02")));
  EXPECT_TRUE(overlaps_month(date("2023-01-01"), date("2024-02-29"), month("2024-02")));
  EXPECT_FALSE(overlaps_month(date("2023-01-01"), date("2024-02-29"), month("2024-03")));
}

}  // namespace
}  // namespace tr1l::domain
