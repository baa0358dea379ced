#include "common/local_time.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

namespace tr1l {
namespace {

std::string& zone_name() {
  static std::string name = "UTC";
  return name;
}

int parse_digits(std::string_view text, std::size_t position, std::size_t count, bool& ok) {
  int value = 0;
  if (position + count > text.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t index = position; index < position + count; ++index) {
    char character = text[index];
    if (character < '0' || character > '9') {
      ok = false;
      return 0;
    }
    value = value * 10 + (character - '0');
  }
  return value;
}

}  // namespace

void use_time_zone(const std::string& name) {
  bool plausible = !name.empty() && name.find("..") == std::string::npos && name.front() != '/';
  std::error_code ignored;
  if (!plausible || !std::filesystem::is_regular_file(std::filesystem::path("/usr/share/zoneinfo") / name, ignored)) {
    throw TimeZoneError("unknown time zone '" + name + "' (expected an IANA name such as Asia/Seoul)");
  }
  ::setenv("TZ", name.c_str(), 1);
  ::tzset();
  zone_name() = name;
}

const std::string& current_time_zone() { return zone_name(); }

domain::LocalDateTime to_local(std::chrono::sys_seconds instant) {
  std::time_t seconds = static_cast<std::time_t>(instant.time_since_epoch().count());
  std::tm parts{};
  ::localtime_r(&seconds, &parts);
  return {{parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday}, parts.tm_hour, parts.tm_min};
}

std::chrono::sys_seconds from_local(const domain::LocalDateTime& local) {
  std::tm parts{};
  parts.tm_year = local.date.year - 1900;
  parts.tm_mon = local.date.month - 1;
  parts.tm_mday = local.date.day;
  parts.tm_hour = local.hour;
  parts.tm_min = local.minute;
  parts.tm_isdst = -1;
  return std::chrono::sys_seconds{std::chrono::seconds{::mktime(&parts)}};
}

std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]
  bool ok = text.size() >= 16 && text[4] == '-' && text[7] == '-' && (text[10] == 'T' || text[10] == ' ') &&
            text[13] == ':';
  if (!ok) return std::nullopt;
  auto date = domain::Date::parse(text.substr(0, 10));
  if (!date) return std::nullopt;
  int hour = parse_digits(text, 11, 2, ok);
  int minute = parse_digits(text, 14, 2, ok);
  int second = 0;
  std::size_t position = 16;
  if (position < text.size() && text[position] == ':') {
    second = parse_digits(text, position + 1, 2, ok);
    position += 3;
  }
  if (!ok || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::string_view zone = text.substr(position);
  if (zone.empty()) {
    return from_local({*date, hour, minute}) + std::chrono::seconds{second};
  }
  int offset_minutes = 0;
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
    int offset_hours = parse_digits(zone, 1, 2, ok);
    int offset_rest = parse_digits(zone, 4, 2, ok);
    if (!ok || offset_hours > 14 || offset_rest > 59) return std::nullopt;
    offset_minutes = (offset_hours * 60 + offset_rest) * (zone[0] == '-' ? -1 : 1);
  }
  auto days = std::chrono::sys_days{std::chrono::year{date->year} / date->month / date->day};
  return std::chrono::sys_seconds{days} + std::chrono::hours{hour} + std::chrono::minutes{minute - offset_minutes} +
         std::chrono::seconds{second};
}

std::string format_local(std::chrono::sys_seconds instant) {
  domain::LocalDateTime local = to_local(instant);
  return fmt::format("{} {:02}:{:02}", local.date.to_string(), local.hour, local.minute);
}

}  // namespace tr1l
