// tr1l invoice.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/backends.h"
#include "app/commands.h"
#include "common/progress.h"
#include "invoicing/invoice_job.h"

namespace tr1l::app {

int command_invoice(const Config& config, const InvoiceArguments& arguments) {
  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);
  const invoicing::InvoiceRenderer renderer;

  invoicing::InvoiceOptions options;
  options.month = arguments.month;
  options.chunk_size = arguments.chunk_size.value_or(config.invoice.chunk_size);
  options.threads = arguments.threads.value_or(config.invoice.threads);
  options.partitions = config.settlement.partitions;
  options.gzip_level = config.invoice.gzip_level;
  options.settings = invoicing::default_invoice_settings(arguments.month);
  options.settings.support_phone = config.invoice.support_phone;
  options.settings.support_email = config.invoice.support_email;
  if (arguments.only_failed) {
    options.selection = invoicing::InvoiceSelection::FailedOnly;
  } else if (!arguments.users.empty()) {
    options.selection = invoicing::InvoiceSelection::Users;
    options.users = arguments.users;
  }

  invoicing::InvoiceJob job(database_factory(config), object_store_factory(config), cipher, renderer);
  Progress progress("invoice " + options.month.to_string());
  spdlog::info("invoice month={} selection={} threads={}", options.month.to_string(),
               arguments.only_failed ? "failed" : (arguments.users.empty() ? "all" : "users"), options.threads);
  const auto summary = job.run(options, &progress);
  progress.finish();

  const std::string month = options.month.to_string();
  if (summary.already_completed) {
    std::cout << "invoice " << month << ": already invoiced; nothing to do (use --only failed or --users to regenerate)\n";
  } else {
    const double rate = summary.elapsed_seconds > 0 ? (summary.ready_here + summary.failed_here) / summary.elapsed_seconds : 0;
    std::cout << "invoice " << month << ": " << group_thousands(summary.ready_here) << " READY, "
              << group_thousands(summary.failed_here) << " FAILED by this process; "
              << group_thousands(summary.objects_stored) << " objects (" << group_thousands(summary.bytes_stored / 1024)
              << " KiB) stored in " << fmt::format("{:.1f}", summary.elapsed_seconds) << " s ("
              << group_thousands(static_cast<std::int64_t>(rate)) << " invoices/s)\n";
    if (summary.skipped_delivered > 0) {
      std::cout << "invoice " << month << ": " << group_thousands(summary.skipped_delivered)
                << " targets left alone: already being dispatched or delivered\n";
    }
  }
  std::cout << "invoice " << month << ": targets";
  for (const auto& [status, count] : summary.targets_by_status) std::cout << " " << status << "=" << count;
  std::cout << "\n";
  if (summary.failed_here > 0) {
    std::cout << "invoice " << month << ": " << group_thousands(summary.failed_here)
              << " targets FAILED (reasons in the targets); fix the cause and run `tr1l invoice --month " << month
              << " --only failed`\n";
    return kExitRejectedRows;
  }
  return 0;
}

}  // namespace tr1l::app
