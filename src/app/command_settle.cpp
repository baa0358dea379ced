// tr1l migrate, settle, export bills.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/backends.h"
#include "app/commands.h"
#include "common/progress.h"
#include "settlement/bill_export.h"
#include "settlement/settlement_job.h"

namespace tr1l::app {

int command_migrate(const Config& config) {
  auto database = database_factory(config)();
  std::cout << "migrate: " << database->backend() << " schema is up to date\n";
  return 0;
}

int command_settle(const Config& config, const SettleArguments& arguments) {
  const domain::Catalog catalog = load_catalog(config);
  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);

  settlement::SettlementOptions options;
  options.month = arguments.month;
  options.chunk_size = arguments.chunk_size.value_or(config.settlement.chunk_size);
  options.partitions = arguments.partitions.value_or(config.settlement.partitions);
  options.threads = arguments.threads.value_or(config.settlement.threads);
  options.lease_duration = arguments.lease_seconds ? std::chrono::seconds(*arguments.lease_seconds)
                                                   : config.settlement.lease_duration;

  settlement::SettlementJob job(database_factory(config), catalog, cipher);
  Progress progress("settle " + options.month.to_string());
  spdlog::info("settle month={} threads={} chunk_size={}", options.month.to_string(), options.threads, options.chunk_size);
  const auto summary = job.run(options, &progress);
  progress.finish();

  const std::string month = options.month.to_string();
  if (summary.already_completed) {
    std::cout << "settle " << month << ": already settled (" << group_thousands(summary.issued) << " ISSUED, "
              << group_thousands(summary.failed) << " FAILED); nothing to do\n";
    return 0;
  }
  const double rate = summary.elapsed_seconds > 0 ? summary.settled_here / summary.elapsed_seconds : 0;
  std::cout << "settle " << month << ": " << group_thousands(summary.settled_here) << " bills written by this process in "
            << fmt::format("{:.1f}", summary.elapsed_seconds) << " s (" << group_thousands(static_cast<std::int64_t>(rate))
            << "/s)\n";
  std::cout << "settle " << month << ": month total " << group_thousands(summary.issued) << " ISSUED, "
            << group_thousands(summary.failed) << " FAILED\n";
  for (const auto& [code, count] : summary.failures_here) {
    std::cout << "  failed " << code << ": " << group_thousands(count) << "\n";
  }
  return 0;
}

int command_export_bills(const Config& config, const domain::YearMonth& month) {
  auto database = database_factory(config)();
  auto state = database->work().run_state(ports::JobKind::Settlement, month);
  if (!state) {
    spdlog::warn("export bills month={}: the month has not been settled; the export is empty", month.to_string());
  } else if (state->status != ports::RunStatus::Completed) {
    spdlog::warn("export bills month={}: settlement is still running or was interrupted; the export is partial",
                 month.to_string());
  }
  std::ios::sync_with_stdio(false);
  settlement::export_bills_csv(database->bills(), month, std::cout);
  std::cout.flush();
  return 0;
}

}  // namespace tr1l::app
