#include "app/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/backends.h"
#include "app/commands.h"
#include "app/config.h"

namespace tr1l::app {
namespace {

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("tr1l");
  // Structured enough to grep: timestamp, level, then key=value pairs written by each call site.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

domain::YearMonth parse_month_option(const std::string& text) {
  auto month = domain::YearMonth::parse(text);
  if (!month) throw CLI::ValidationError("--month", "'" + text + "' is not a month in the form YYYY-MM");
  return *month;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"TR1L monthly billing: settle (정산), invoice (청구서), deliver (발송)"};
  app.require_subcommand(1);
  std::optional<std::string> config_file;
  app.add_option("--config", config_file, "TOML configuration file (default: TR1L_CONFIG or TR1L_HOME/tr1l.toml)");

  std::string month_text;
  auto add_month = [&](CLI::App* command) { command->add_option("--month", month_text, "billing month YYYY-MM")->required(); };

  auto* migrate = app.add_subcommand("migrate", "create or upgrade the database schema");

  SeedArguments seed_arguments;
  auto* seed = app.add_subcommand("seed", "generate a deterministic data set of N customers");
  seed->add_option("--users", seed_arguments.users, "number of customers")->required()->check(CLI::PositiveNumber);
  add_month(seed);
  seed->add_option("--seed", seed_arguments.seed, "random seed (same seed, same data)");
  seed->add_option("--csv", seed_arguments.csv_directory, "write the CSV interchange files here instead of loading");

  ImportArguments import_arguments;
  auto* import = app.add_subcommand("import", "load customers and their records from CSV files");
  import->add_option("directory", import_arguments.directory, "directory holding customers.csv, contracts.csv, ...")
      ->required();
  import->add_option("--rejects", import_arguments.rejects_file, "where rejected rows go (default DIR/rejects.csv)");

  SettleArguments settle_arguments;
  auto* settle = app.add_subcommand("settle", "bill every billable customer for a month");
  add_month(settle);
  settle->add_option("--threads", settle_arguments.threads, "worker threads in this process")->check(CLI::PositiveNumber);
  settle->add_option("--chunk-size", settle_arguments.chunk_size, "customers per committed chunk")->check(CLI::PositiveNumber);
  settle->add_option("--partitions", settle_arguments.partitions, "partitions a new run is split into")->check(CLI::PositiveNumber);
  settle->add_option("--lease-seconds", settle_arguments.lease_seconds, "partition lease length")->check(CLI::PositiveNumber);

  InvoiceArguments invoice_arguments;
  std::string only_selection;
  auto* invoice = app.add_subcommand("invoice", "render and store every ISSUED bill's invoices, write dispatch targets");
  add_month(invoice);
  auto* only_option = invoice->add_option("--only", only_selection, "regenerate only these targets: 'failed'")
                          ->check(CLI::IsMember({"failed"}));
  invoice->add_option("--users", invoice_arguments.users, "regenerate only these user ids (comma-separated)")
      ->delimiter(',')
      ->excludes(only_option);
  invoice->add_option("--threads", invoice_arguments.threads, "worker threads in this process")->check(CLI::PositiveNumber);
  invoice->add_option("--chunk-size", invoice_arguments.chunk_size, "invoices per committed chunk")->check(CLI::PositiveNumber);

  auto* export_command = app.add_subcommand("export", "write data out as CSV to standard output");
  export_command->require_subcommand(1);
  auto* export_bills = export_command->add_subcommand("bills", "the month's bills (SPEC §3 layout)");
  add_month(export_bills);

  auto* keys = app.add_subcommand("keys", "manage encryption keys");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand("rotate", "add a new active key and re-encrypt stored contacts under it");

  RunArguments run_arguments;
  auto* run = app.add_subcommand("run", "the main job: seed if empty, settle, then report");
  add_month(run);
  run->add_option("--users", run_arguments.users, "customers to seed when the database is empty")->check(CLI::PositiveNumber);
  run->add_option("--seed", run_arguments.seed, "random seed for the generated data");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }

  try {
    Config config = load_config(config_file ? std::optional<std::filesystem::path>(*config_file) : std::nullopt);
    configure_logging(config.log_level);
    if (*migrate) return command_migrate(config);
    if (*seed) {
      seed_arguments.month = parse_month_option(month_text);
      return command_seed(config, seed_arguments);
    }
    if (*import) return command_import(config, import_arguments);
    if (*settle) {
      settle_arguments.month = parse_month_option(month_text);
      return command_settle(config, settle_arguments);
    }
    if (*invoice) {
      invoice_arguments.month = parse_month_option(month_text);
      invoice_arguments.only_failed = only_selection == "failed";
      return command_invoice(config, invoice_arguments);
    }
    if (*export_bills) return command_export_bills(config, parse_month_option(month_text));
    if (*rotate) return command_rotate_keys(config);
    if (*run) {
      run_arguments.month = parse_month_option(month_text);
      return command_run(config, run_arguments);
    }
  } catch (const CLI::ValidationError& error) {
    std::cerr << "tr1l: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "tr1l: error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace tr1l::app
