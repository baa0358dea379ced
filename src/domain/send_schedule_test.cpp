#include "domain/send_schedule.h"

#include <gtest/gtest.h>

namespace tr1l::domain {
namespace {

const YearMonth kOctober{2026, 10};

LocalDateTime at(int year, int month, int day, int hour) { return {{year, month, day}, hour, 0}; }

TEST(QuietHours, DaytimeWindowIsHalfOpen) {
  QuietHours window{9, 18};
  EXPECT_FALSE(is_quiet(window, 8));
  EXPECT_TRUE(is_quiet(window, 9));
  EXPECT_TRUE(is_quiet(window, 17));
  EXPECT_FALSE(is_quiet(window, 18));
}

TEST(QuietHours, WindowCrossingMidnight) {
  QuietHours window{22, 7};
  for (int hour = 0; hour < 24; ++hour) {
    EXPECT_EQ(is_quiet(window, hour), hour >= 22 || hour < 7) << hour;
  }
  QuietHours until_one{23, 1};
  EXPECT_TRUE(is_quiet(until_one, 23));
  EXPECT_TRUE(is_quiet(until_one, 0));
  EXPECT_FALSE(is_quiet(until_one, 1));
  EXPECT_FALSE(is_quiet(until_one, 22));
}

TEST(QuietHours, EveryWindowQuietsExactlyItsLength) {
  for (int from = 0; from < 24; ++from) {
    for (int to = 0; to < 24; ++to) {
      QuietHours window{from, to};
      int quiet = 0;
      for (int hour = 0; hour < 24; ++hour) quiet += is_quiet(window, hour) ? 1 : 0;
      int expected = from == to ? 0 : (to - from + 24) % 24;
      EXPECT_EQ(quiet, expected) << from << "->" << to;
    }
  }
}

TEST(QuietHours, InvalidWindowsNeverQuiet) {
  EXPECT_FALSE(is_valid(QuietHours{5, 5}));
  EXPECT_FALSE(is_valid(QuietHours{-1, 5}));
  EXPECT_FALSE(is_valid(QuietHours{5, 24}));
  EXPECT_FALSE(is_quiet(QuietHours{5, 5}, 5));
}

TEST(SendDate, ClampsToTheEndOfTheFollowingMonth) {
  EXPECT_EQ(scheduled_send_date(kOctober, 15), (Date{2026, 11, 15}));
  EXPECT_EQ(scheduled_send_date(kOctober, 31), (Date{2026, 11, 30}));
  EXPECT_EQ(scheduled_send_date(kOctober, std::nullopt), (Date{2026, 11, 1}));
  EXPECT_EQ(scheduled_send_date({2027, 1}, 29), (Date{2027, 2, 28}));
  EXPECT_EQ(scheduled_send_date({2028, 1}, 30), (Date{2028, 2, 29}));
  EXPECT_EQ(scheduled_send_date({2026, 12}, 31), (Date{2027, 1, 31}));
}

TEST(SendDayLimit, NothingBeforeTheMonthAfterEverythingFromItsLastDay) {
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 10, 31}), 0);
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 11, 1}), 1);
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 11, 17}), 17);
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 11, 29}), 29);
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 11, 30}), 31);  // days 30 and 31 land on Nov 30
  EXPECT_EQ(due_send_day_limit(kOctober, {2026, 12, 5}), 31);   // caught up, never lost
  EXPECT_EQ(due_send_day_limit({2027, 1}, {2027, 2, 28}), 31);
}

// The limit and the date rule are two statements of the same schedule; they must agree on
// every day around the month after, for every send day.
TEST(SendDayLimit, AgreesWithTheScheduledDate) {
  for (YearMonth billing : {YearMonth{2026, 10}, YearMonth{2027, 1}, YearMonth{2028, 1}, YearMonth{2026, 12}}) {
    YearMonth after = billing.next();
    std::vector<Date> days{billing.last_day(), after.next().first_day(), {after.next().year, after.next().month, 15}};
    for (int day = 1; day <= days_in_month(after.year, after.month); ++day) days.push_back({after.year, after.month, day});
    for (const Date& today : days) {
      for (int send_day = 1; send_day <= 31; ++send_day) {
        bool by_limit = send_day <= due_send_day_limit(billing, today);
        bool by_date = today >= scheduled_send_date(billing, send_day);
        EXPECT_EQ(by_limit, by_date) << billing.to_string() << " " << today.to_string() << " day " << send_day;
      }
    }
  }
}

TEST(IsDue, SendDayQuietHoursAndSystemWindow) {
  TargetSchedule schedule{.send_day = 10, .quiet_hours = QuietHours{22, 7}};
  EXPECT_FALSE(is_due(kOctober, schedule, at(2026, 11, 9, 12), std::nullopt));
  EXPECT_TRUE(is_due(kOctober, schedule, at(2026, 11, 10, 12), std::nullopt));
  EXPECT_FALSE(is_due(kOctober, schedule, at(2026, 11, 10, 23), std::nullopt));  // quiet: deferred
  EXPECT_FALSE(is_due(kOctober, schedule, at(2026, 11, 11, 3), std::nullopt));
  EXPECT_TRUE(is_due(kOctober, schedule, at(2026, 11, 11, 7), std::nullopt));  // window ends at 07:00
  EXPECT_TRUE(is_due(kOctober, schedule, at(2026, 12, 2, 9), std::nullopt));    // caught up
  EXPECT_FALSE(is_due(kOctober, schedule, at(2026, 11, 12, 12), QuietHours{12, 13}));
  EXPECT_TRUE(is_due(kOctober, schedule, at(2026, 11, 12, 13), QuietHours{12, 13}));
  TargetSchedule anytime{};
  EXPECT_TRUE(is_due(kOctober, anytime, at(2026, 11, 1, 0), std::nullopt));
  EXPECT_FALSE(is_due(kOctober, anytime, at(2026, 10, 31, 23), std::nullopt));
}

}  // namespace
}  // namespace tr1l::domain
