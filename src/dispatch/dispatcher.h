// The dispatcher (SPEC §6): claims the month's targets that are due now — READY ones and
// retry rounds whose time has come, on or after their send day, outside their quiet hours and
// the system-wide quiet window — and publishes one request per claim. The claim happens in the
// database before the publish, so a dispatcher killed in between leaves PUBLISHED attempts that
// delivery's sweeper republishes: nothing is lost, and the attempt row stops duplicates.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "domain/dispatch_policy.h"
#include "domain/send_schedule.h"
#include "ports/bus.h"
#include "ports/clock.h"
#include "ports/database.h"

namespace tr1l::dispatch {

struct DispatchOptions {
  domain::YearMonth month;
  std::optional<domain::QuietHours> system_quiet_window;
  std::size_t batch_size = 1000;
  std::chrono::milliseconds flush_timeout{30'000};
};

struct DispatchSummary {
  std::chrono::sys_seconds at{};
  domain::LocalDateTime local{};
  bool system_quiet = false;  // nothing dispatched: now is inside the system-wide quiet window
  int send_day_limit = 0;
  int active_policy_version = 0;
  std::int64_t published = 0;
  std::int64_t exhausted = 0;  // targets no channel of their policy can reach
  std::map<domain::Channel, std::int64_t> published_by_channel;
};

class Dispatcher {
 public:
  // `publisher` may be null: the claims are then only recorded, and delivery on the in-process
  // bus republishes them from the database.
  Dispatcher(ports::Database& database, ports::BusPublisher* publisher, const ports::Clock& clock);

  // Claims and publishes in batches until nothing is due. Creates the default policy on first
  // use. Throws ports::BusError when the bus refuses (the claims stay recorded).
  DispatchSummary dispatch_due(const DispatchOptions& options);

 private:
  const domain::DispatchPolicy& policy(int version);

  ports::Database& database_;
  ports::BusPublisher* publisher_;
  const ports::Clock& clock_;
  std::map<int, domain::DispatchPolicy> policies_;
};

}  // namespace tr1l::dispatch
