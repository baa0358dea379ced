// One function per CLI command. Each returns the process exit status:
// 0 success, 1 fatal error (thrown), 2 usage error, 3 finished but some rows were rejected
// (import) or some invoice targets FAILED (invoice).
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

struct RunArguments {
  domain::YearMonth month;
  std::int64_t users = 10000;
  std::uint64_t seed = 20260101;
};

int command_migrate(const Config& config);
int command_seed(const Config& config, const SeedArguments& arguments);
int command_import(const Config& config, const ImportArguments& arguments);
int command_settle(const Config& config, const SettleArguments& arguments);
int command_invoice(const Config& config, const InvoiceArguments& arguments);
int command_export_bills(const Config& config, const domain::YearMonth& month);
int command_rotate_keys(const Config& config);
int command_run(const Config& config, const RunArguments& arguments);

}  // namespace tr1l::app
