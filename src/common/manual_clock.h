// A clock that only moves when told to: `tr1l run` walks it through the month after the billing
// month, and tests pin "now" with it.
#pragma once

#include <atomic>

#include "ports/clock.h"

namespace tr1l {

class ManualClock final : public ports::Clock {
 public:
  explicit ManualClock(std::chrono::sys_seconds start) : now_(start.time_since_epoch().count()) {}
  std::chrono::sys_seconds now() const override { return std::chrono::sys_seconds{std::chrono::seconds{now_.load()}}; }
  void set(std::chrono::sys_seconds time) { now_ = time.time_since_epoch().count(); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace tr1l
