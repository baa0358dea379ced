#include "domain/send_schedule.h"

#include <algorithm>

namespace tr1l::domain {

bool is_valid(const QuietHours& window) {
  return window.from >= 0 && window.from <= 23 && window.to >= 0 && window.to <= 23 && window.from != window.to;
}

bool is_quiet(const QuietHours& window, int hour) {
  if (!is_valid(window)) return false;
  if (window.from < window.to) return hour >= window.from && hour < window.to;
  return hour >= window.from || hour < window.to;
}

Date scheduled_send_date(const YearMonth& billing_month, std::optional<int> send_day) {
  YearMonth delivery_month = billing_month.next();
  int last = days_in_month(delivery_month.year, delivery_month.month);
  int day = std::clamp(send_day.value_or(1), 1, last);
  return {delivery_month.year, delivery_month.month, day};
}

int due_send_day_limit(const YearMonth& billing_month, const Date& today) {
  YearMonth delivery_month = billing_month.next();
  if (today < delivery_month.first_day()) return 0;
  if (today >= delivery_month.last_day()) return 31;
  return today.day;
}

bool is_due(const YearMonth& billing_month, const TargetSchedule& schedule, const LocalDateTime& now,
            const std::optional<QuietHours>& system_quiet_window) {
  if (now.date < scheduled_send_date(billing_month, schedule.send_day)) return false;
  if (schedule.quiet_hours && is_quiet(*schedule.quiet_hours, now.hour)) return false;
  if (system_quiet_window && is_quiet(*system_quiet_window, now.hour)) return false;
  return true;
}

}  // namespace tr1l::domain
