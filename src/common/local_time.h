// The operator's wall clock (SPEC §2: Asia/Seoul unless configured). Send days and quiet hours
// are judged in local time; instants are stored as unix seconds. Uses the system time zone
// database through the C library, so the zone is process-wide: select it once at start-up,
// before any thread runs.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "domain/send_schedule.h"

namespace tr1l {

class TimeZoneError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Selects the process's time zone by IANA name ("Asia/Seoul", "UTC"). Throws TimeZoneError when
// the system's time zone database does not know it.
void use_time_zone(const std::string& name);
const std::string& current_time_zone();

domain::LocalDateTime to_local(std::chrono::sys_seconds instant);
// The instant a wall-clock time names (the earlier one when a DST change makes it ambiguous).
std::chrono::sys_seconds from_local(const domain::LocalDateTime& local);

// "2026-11-05T10:00" or "2026-11-05T10:00:30" (local time), optionally ending in "Z" or
// "+09:00" for an explicit offset. nullopt when malformed.
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);
// "2026-11-05 10:00 KST"-style display: "2026-11-05 10:00" in local time.
std::string format_local(std::chrono::sys_seconds instant);

}  // namespace tr1l
