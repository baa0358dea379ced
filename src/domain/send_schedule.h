// When a target may be sent (SPEC §6), in the operator's local time: on or after the customer's
// send day in the month after the billing month (a day past the end of a short month means its
// last day; a missed day is caught up later, never dropped), and outside the customer's quiet
// hours and the optional system-wide quiet window. Quiet hours defer, never drop.
#pragma once

#include <optional>

#include "domain/calendar.h"

namespace tr1l::domain {

struct LocalDateTime {
  Date date;
  int hour = 0;    // 0-23
  int minute = 0;  // 0-59
  auto operator<=>(const LocalDateTime&) const = default;
};

// Do-not-disturb hours [from, to): from 22 to 7 means 22:00 up to 06:59. A window with
// from > to crosses midnight. from == to is not a valid window.
struct QuietHours {
  int from = 0;
  int to = 0;
};

bool is_valid(const QuietHours& window);
bool is_quiet(const QuietHours& window, int hour);

// The day a target of `billing_month` is first due: its send day in the following month, clamped
// to that month's last day; day 1 when the customer chose no day.
Date scheduled_send_date(const YearMonth& billing_month, std::optional<int> send_day);

// The largest send day that is due on `today` for `billing_month`: 0 before the month after
// starts (nothing is due), 31 from the last day of that month on (everything is due, including
// caught-up days), else today's day of month. A target is due when its send day (1 if none) is
// at most this limit.
int due_send_day_limit(const YearMonth& billing_month, const Date& today);

struct TargetSchedule {
  std::optional<int> send_day;
  std::optional<QuietHours> quiet_hours;
};

// The whole rule for one target at one moment; the dispatcher's database query must agree
// with it (tests check both against each other).
bool is_due(const YearMonth& billing_month, const TargetSchedule& schedule, const LocalDateTime& now,
            const std::optional<QuietHours>& system_quiet_window);

}  // namespace tr1l::domain
