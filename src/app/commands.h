// One function per CLI command. Each returns the process exit status:
// 0 success, 1 fatal error (thrown), 2 usage error, 3 finished but some rows were rejected
// (import), some invoice targets FAILED (invoice) or some targets were EXHAUSTED (run).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "domain/calendar.h"

namespace tr1l::app {

inline constexpr int kExitRejectedRows = 3;

struct SeedArguments {
  std::int64_t users = 0;
  domain::YearMonth month;
  std::uint64_t seed = 20260101;
  std::optional<std::string> csv_directory;
};

struct ImportArguments {
  std::string directory;
  std::optional<std::string> rejects_file;
};

struct SettleArguments {
  domain::YearMonth month;
  std::optional<int> threads;
  std::optional<std::size_t> chunk_size;
  std::optional<int> partitions;
  std::optional<int> lease_seconds;
};

struct InvoiceArguments {
  domain::YearMonth month;
  bool only_failed = false;
  std::vector<std::int64_t> users;
  std::optional<int> threads;
  std::optional<std::size_t> chunk_size;
};

// Failure injection for drills: "--fail email=0.3,sms=0.1 --latency email=1s --seed 7".
struct DrillArguments {
  std::string fail;
  std::string latency;
  std::uint64_t seed = 1;
};

struct DispatchArguments {
  domain::YearMonth month;
  std::optional<std::string> at;  // fixes "now" (local time, or with Z / +09:00)
};

struct DeliverArguments {
  bool until_idle = false;
  std::optional<int> concurrency;
  std::optional<std::string> at;  // fixes "now" for retry scheduling and the sweeper
  DrillArguments drill;
};

struct RunArguments {
  domain::YearMonth month;
  std::int64_t users = 10000;
  std::uint64_t seed = 20260101;
  DrillArguments drill;
};

int command_migrate(const Config& config);
int command_seed(const Config& config, const SeedArguments& arguments);
int command_import(const Config& config, const ImportArguments& arguments);
int command_settle(const Config& config, const SettleArguments& arguments);
int command_invoice(const Config& config, const InvoiceArguments& arguments);
int command_export_bills(const Config& config, const domain::YearMonth& month);
int command_rotate_keys(const Config& config);
int command_dispatch(const Config& config, const DispatchArguments& arguments);
int command_deliver(const Config& config, const DeliverArguments& arguments);
int command_export_targets(const Config& config, const domain::YearMonth& month);
int command_policy_list(const Config& config);
int command_policy_create(const Config& config, const std::string& channels);
int command_policy_activate(const Config& config, int version);
int command_policy_retire(const Config& config, int version);
int command_run(const Config& config, const RunArguments& arguments);

}  // namespace tr1l::app
