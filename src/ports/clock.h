// "Now" for the dispatch and delivery jobs. The system clock in production; `tr1l run` and the
// tests use a simulated clock so the month's schedule plays out in minutes.
#pragma once

#include <chrono>
#include <cstdint>

namespace tr1l::ports {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::sys_seconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::sys_seconds now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

inline std::int64_t unix_seconds(std::chrono::sys_seconds time) { return time.time_since_epoch().count(); }

}  // namespace tr1l::ports
