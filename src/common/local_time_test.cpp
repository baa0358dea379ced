#include "common/local_time.h"

#include <gtest/gtest.h>

namespace tr1l {
namespace {

using namespace std::chrono_literals;

class LocalTime : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = current_time_zone();
    use_time_zone("Asia/Seoul");
  }
  void TearDown() override { use_time_zone(previous_); }

 private:
  std::string previous_;
};

// 2026-11-01 00:00 in Seoul (UTC+9) is 2026-10-31 15:00 UTC = 1793458800.
constexpr std::int64_t kNovemberFirstSeoul = 1793458800;

TEST_F(LocalTime, SeoulIsNineHoursAhead) {
  auto instant = std::chrono::sys_seconds{std::chrono::seconds{kNovemberFirstSeoul}};
  domain::LocalDateTime local = to_local(instant);
  EXPECT_EQ(local.date, (domain::Date{2026, 11, 1}));
  EXPECT_EQ(local.hour, 0);
  EXPECT_EQ(from_local(local), instant);
  EXPECT_EQ(to_local(instant - 1s).date, (domain::Date{2026, 10, 31}));
  EXPECT_EQ(to_local(instant - 1s).hour, 23);
  EXPECT_EQ(format_local(instant + 10h + 5min), "2026-11-01 10:05");
}

TEST_F(LocalTime, ParsesLocalAndExplicitOffsets) {
  auto expected = std::chrono::sys_seconds{std::chrono::seconds{kNovemberFirstSeoul}};
  EXPECT_EQ(parse_timestamp("2026-11-01T00:00"), expected);
  EXPECT_EQ(parse_timestamp("2026-11-01 00:00:00"), expected);
  EXPECT_EQ(parse_timestamp("2026-10-31T15:00Z"), expected);
  EXPECT_EQ(parse_timestamp("2026-11-01T00:00+09:00"), expected);
  EXPECT_EQ(parse_timestamp("2026-10-31T10:00-05:00"), expected);
  EXPECT_EQ(parse_timestamp("2026-11-01T00:00:30"), expected + 30s);
}

TEST_F(LocalTime, RejectsMalformedTimestamps) {
  for (const char* text : {"", "2026-11-01", "2026-11-01T24:00", "2026-11-01T10:60", "2026-11-31T10:00",
                           "2026-11-01T10:00+9", "2026-11-01T10:00X", "2026-11-01T1:00", "2026/11/01T10:00",
                           "2026-11-01T10:00:61"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << "'" << text << "'";
  }
}

TEST_F(LocalTime, UnknownZoneIsAClearError) {
  EXPECT_THROW(use_time_zone("Mars/Olympus"), TimeZoneError);
  EXPECT_THROW(use_time_zone("../etc/passwd"), TimeZoneError);
  EXPECT_THROW(use_time_zone(""), TimeZoneError);
  EXPECT_EQ(current_time_zone(), "Asia/Seoul");
}

TEST_F(LocalTime, OtherZonesFollowTheirRules) {
  use_time_zone("UTC");
  auto instant = std::chrono::sys_seconds{std::chrono::seconds{kNovemberFirstSeoul}};
  EXPECT_EQ(to_local(instant).hour, 15);
}

}  // namespace
}  // namespace tr1l
