#include "domain/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace tr1l::domain {
namespace {

std::int64_t millionths(const char* text) {
  auto rate = Rate::parse(text);
  EXPECT_TRUE(rate.has_value()) << text;
  return rate ? rate->millionths() : -1;
}

// ---------------------------------------------------------------------------------------------
// Won

TEST(Won, DefaultIsZeroAndArithmeticIsExact) {
  EXPECT_EQ(Won().amount(), 0);
  Won amount(66000);
  amount += Won(632);
  EXPECT_EQ(amount, Won(66632));
  amount -= Won(66633);
  EXPECT_EQ(amount, Won(-1));
  EXPECT_EQ(Won(5) + Won(7), Won(12));
  EXPECT_EQ(Won(5) - Won(7), Won(-2));
  EXPECT_LT(Won(1), Won(2));
  EXPECT_GT(Won(0), Won(-1));
}

// ---------------------------------------------------------------------------------------------
// Rate::parse

TEST(RateParse, AcceptsTheDecimalFormsOfTheCatalogue) {
  EXPECT_EQ(millionths("0.2750"), 275'000);
  EXPECT_EQ(millionths("0.275"), 275'000);
  EXPECT_EQ(millionths("0.25"), 250'000);
  EXPECT_EQ(millionths("0.35"), 350'000);
  EXPECT_EQ(millionths("0.50"), 500'000);
  EXPECT_EQ(millionths("0.7250"), 725'000);
  EXPECT_EQ(millionths("1"), 1'000'000);
  EXPECT_EQ(millionths(".5"), 500'000);
  EXPECT_EQ(millionths("0"), 0);
  EXPECT_EQ(millionths("0.0"), 0);
  EXPECT_EQ(millionths("000.25"), 250'000);
  EXPECT_EQ(millionths("12.5"), 12'500'000);
}

TEST(RateParse, AcceptsExactlySixDecimalPlaces) {
  EXPECT_EQ(millionths("0.123456"), 123'456);
  EXPECT_EQ(millionths("0.000001"), 1);
  EXPECT_EQ(millionths("0.999999"), 999'999);
}

TEST(RateParse, ZeroIsZero) {
  EXPECT_TRUE(Rate::parse("0")->is_zero());
  EXPECT_TRUE(Rate::parse("0.000000")->is_zero());
  EXPECT_FALSE(Rate::parse("0.000001")->is_zero());
  EXPECT_TRUE(Rate().is_zero());
}

TEST(RateParse, RejectsEverythingElse) {
  for (const char* text : {"", "-0.1", "-1", "+0.1", "1e3", "1E3", "0.1234567", "0.1000000", "abc", "0.2 ",
                           " 0.2", "0. 2", ".", "..5", "0.2.5", "0,25", "0x1", "25%", "NaN", "inf", "\t1",
                           "0.2\n", "1_000", "١"}) {
    EXPECT_FALSE(Rate::parse(text).has_value()) << "'" << text << "'";
  }
}

TEST(RateParse, RejectsAbsurdlyLargeRatesInsteadOfOverflowing) {
  EXPECT_TRUE(Rate::parse("1000000").has_value());
  EXPECT_FALSE(Rate::parse("1000001").has_value());
  EXPECT_FALSE(Rate::parse("99999999999999999999999").has_value());
}

TEST(RateParse, OrdersByValue) {
  EXPECT_EQ(*Rate::parse("0.25"), *Rate::parse("0.250000"));
  EXPECT_LT(*Rate::parse("0.25"), *Rate::parse("0.250001"));
  EXPECT_LT(*Rate::parse("0.25"), *Rate::parse("0.35"));
  EXPECT_EQ(Rate::from_millionths(275'000), *Rate::parse("0.2750"));
}

// ---------------------------------------------------------------------------------------------
// Rate::floor_times

TEST(RateFloorTimes, WorkedExampleExcessData) {
  EXPECT_EQ(Rate::parse("0.275")->floor_times(2300), 632);  // 632.5
  EXPECT_EQ(Rate::parse("0.2750")->floor_times(Won(2300)), Won(632));
}

TEST(RateFloorTimes, ExactWhereBinaryFloatingPointIsNot) {
  // In double arithmetic 0.29*100 = 28.999..., 0.57*100 = 56.999..., 1.15*100 = 114.999...
  EXPECT_EQ(Rate::parse("0.29")->floor_times(100), 29);
  EXPECT_EQ(Rate::parse("0.57")->floor_times(100), 57);
  EXPECT_EQ(Rate::parse("1.15")->floor_times(100), 115);
  EXPECT_EQ(Rate::parse("0.1")->floor_times(3), 0);
  EXPECT_EQ(Rate::parse("0.1")->floor_times(10), 1);
  EXPECT_EQ(Rate::parse("0.7")->floor_times(10), 7);
  EXPECT_EQ(Rate::parse("0.35")->floor_times(20), 7);
  EXPECT_EQ(Rate::parse("0.35")->floor_times(20432), 7151);  // 7151.2
  EXPECT_EQ(Rate::parse("0.25")->floor_times(33000), 8250);
  EXPECT_EQ(Rate::parse("0.20")->floor_times(24750), 4950);
  EXPECT_EQ(Rate::parse("0.725")->floor_times(1), 0);
  EXPECT_EQ(Rate::parse("0.725")->floor_times(2), 1);
  EXPECT_EQ(Rate::parse("0.725")->floor_times(1000), 725);
}

TEST(RateFloorTimes, FloorsJustBelowAWholeNumber) {
  EXPECT_EQ(Rate::parse("0.999999")->floor_times(1), 0);
  EXPECT_EQ(Rate::parse("0.999999")->floor_times(1'000'000), 999'999);
  EXPECT_EQ(Rate::parse("0.333333")->floor_times(3), 0);
  EXPECT_EQ(Rate::parse("0.333334")->floor_times(3), 1);
  EXPECT_EQ(Rate::parse("0.000001")->floor_times(999'999), 0);
  EXPECT_EQ(Rate::parse("0.000001")->floor_times(1'000'000), 1);
}

TEST(RateFloorTimes, ZeroAndOne) {
  EXPECT_EQ(Rate::parse("0")->floor_times(123'456'789), 0);
  EXPECT_EQ(Rate::parse("1")->floor_times(123'456'789), 123'456'789);
  EXPECT_EQ(Rate::parse("0.25")->floor_times(0), 0);
}

TEST(RateFloorTimes, LargeAmountsUpToTenToTheTwelve) {
  const std::int64_t trillion = 1'000'000'000'000;
  EXPECT_EQ(Rate::parse("0.2750")->floor_times(trillion), 275'000'000'000);
  EXPECT_EQ(Rate::parse("0.999999")->floor_times(trillion), 999'999'000'000);
  EXPECT_EQ(Rate::parse("0.123457")->floor_times(trillion - 1), 123'456'999'999);  // ...999.876543
  EXPECT_EQ(Rate::parse("0.35")->floor_times(trillion + 1), 350'000'000'000);
  EXPECT_EQ(Rate::parse("1000000")->floor_times(trillion), 1'000'000'000'000'000'000);
  // The intermediate product (9.2e18 x 1e6) does not fit 64 bits; the result does.
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(Rate::parse("1")->floor_times(max), max);
  EXPECT_EQ(Rate::parse("0.5")->floor_times(max), max / 2);
}

TEST(RateFloorTimes, NegativeQuantitiesFloorTowardMinusInfinity) {
  EXPECT_EQ(Rate::parse("0.5")->floor_times(-1), -1);
  EXPECT_EQ(Rate::parse("0.5")->floor_times(-2), -1);
  EXPECT_EQ(Rate::parse("0.275")->floor_times(-2300), -633);
}

// ---------------------------------------------------------------------------------------------
// Rate::to_string

TEST(RateToString, ShortestDecimalForm) {
  EXPECT_EQ(Rate::parse("0.2750")->to_string(), "0.275");
  EXPECT_EQ(Rate::parse("0.25")->to_string(), "0.25");
  EXPECT_EQ(Rate::parse("0.50")->to_string(), "0.5");
  EXPECT_EQ(Rate::parse("0")->to_string(), "0");
  EXPECT_EQ(Rate::parse("1")->to_string(), "1");
  EXPECT_EQ(Rate::parse("1.000")->to_string(), "1");
  EXPECT_EQ(Rate::parse(".5")->to_string(), "0.5");
  EXPECT_EQ(Rate::parse("0.000001")->to_string(), "0.000001");
  EXPECT_EQ(Rate::parse("0.05")->to_string(), "0.05");
  EXPECT_EQ(Rate::parse("12.5")->to_string(), "12.5");
  EXPECT_EQ(Rate::parse("0.123456")->to_string(), "0.123456");
}

TEST(RateToString, RoundTripsThroughParse) {
  for (std::int64_t value : {0LL, 1LL, 10LL, 275'000LL, 250'000LL, 999'999LL, 1'000'000LL, 1'000'001LL, 12'345'678LL}) {
    Rate rate = Rate::from_millionths(value);
    auto reparsed = Rate::parse(rate.to_string());
    ASSERT_TRUE(reparsed.has_value()) << rate.to_string();
    EXPECT_EQ(*reparsed, rate) << rate.to_string();
  }
}

// ---------------------------------------------------------------------------------------------
// format_grouped

TEST(FormatGrouped, ThousandsSeparators) {
  EXPECT_EQ(format_grouped(Won(0)), "0");
  EXPECT_EQ(format_grouped(Won(1)), "1");
  EXPECT_EQ(format_grouped(Won(999)), "999");
  EXPECT_EQ(format_grouped(Won(1000)), "1,000");
  EXPECT_EQ(format_grouped(Won(9999)), "9,999");
  EXPECT_EQ(format_grouped(Won(66000)), "66,000");
  EXPECT_EQ(format_grouped(Won(100000)), "100,000");
  EXPECT_EQ(format_grouped(Won(1234567)), "1,234,567");
  EXPECT_EQ(format_grouped(Won(1'000'000'000'000)), "1,000,000,000,000");
}

TEST(FormatGrouped, Negatives) {
  EXPECT_EQ(format_grouped(Won(-1)), "-1");
  EXPECT_EQ(format_grouped(Won(-999)), "-999");
  EXPECT_EQ(format_grouped(Won(-1000)), "-1,000");
  EXPECT_EQ(format_grouped(Won(-16500)), "-16,500");
  EXPECT_EQ(format_grouped(Won(-1234567)), "-1,234,567");
}

TEST(FormatGrouped, ExtremesOfSixtyFourBits) {
  EXPECT_EQ(format_grouped(Won(std::numeric_limits<std::int64_t>::max())), "9,223,372,036,854,775,807");
  EXPECT_EQ(format_grouped(Won(std::numeric_limits<std::int64_t>::min())), "-9,223,372,036,854,775,808");
}

}  // namespace
}  // namespace tr1l::domain
