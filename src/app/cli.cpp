#include "app/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/backends.h"
#include "app/commands.h"
#include "app/config.h"
#include "common/local_time.h"

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

  auto* export_targets = export_command->add_subcommand("targets", "the month's dispatch targets and their delivery state");
  add_month(export_targets);

  auto add_drill = [](CLI::App* command, DrillArguments& drill) {
    command->add_option("--fail", drill.fail, "drill: share of sends that fail per channel, e.g. email=0.3,sms=0.1");
    command->add_option("--latency", drill.latency, "drill: added latency per channel, e.g. email=1s,sms=200ms");
  };

  DispatchArguments dispatch_arguments;
  auto* dispatch = app.add_subcommand("dispatch", "claim the month's due targets and publish one delivery request each");
  add_month(dispatch);
  dispatch->add_option("--at", dispatch_arguments.at, "take this as now: 2026-11-05T10:00 (local time), or ...Z / +09:00");

  DeliverArguments deliver_arguments;
  auto* deliver = app.add_subcommand("deliver", "consume delivery requests: send each invoice, record the outcome");
  deliver->add_flag("--until-idle", deliver_arguments.until_idle, "stop when nothing is left to deliver");
  deliver->add_option("--concurrency", deliver_arguments.concurrency, "sends in flight at once")->check(CLI::PositiveNumber);
  deliver->add_option("--at", deliver_arguments.at, "take this as now (retry schedule, sweeper), like dispatch --at");
  add_drill(deliver, deliver_arguments.drill);
  deliver->add_option("--seed", deliver_arguments.drill.seed, "drill: seed choosing which sends fail");

  auto* policy = app.add_subcommand("policy", "dispatch policies: the channel order of delivery rounds");
  policy->require_subcommand(1);
  auto* policy_list = policy->add_subcommand("list", "every policy with its state and channel order");
  std::string policy_channels;
  auto* policy_create = policy->add_subcommand("create", "create a DRAFT policy");
  policy_create->add_option("channels", policy_channels, "channel order, e.g. SMS,EMAIL,KAKAO")->required();
  int policy_version = 0;
  auto* policy_activate = policy->add_subcommand("activate", "make a DRAFT policy the ACTIVE one (the old one retires)");
  policy_activate->add_option("version", policy_version, "policy version")->required()->check(CLI::PositiveNumber);
  auto* policy_retire = policy->add_subcommand("retire", "retire a policy");
  policy_retire->add_option("version", policy_version, "policy version")->required()->check(CLI::PositiveNumber);

  auto* keys = app.add_subcommand("keys", "manage encryption keys");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand("rotate", "add a new active key and re-encrypt stored contacts under it");

  RunArguments run_arguments;
  auto* run = app.add_subcommand("run", "the main job: seed if empty, settle, invoice, dispatch and deliver");
  add_month(run);
  run->add_option("--users", run_arguments.users, "customers to seed when the database is empty")->check(CLI::PositiveNumber);
  run->add_option("--seed", run_arguments.seed, "random seed for the generated data and the drill");
  add_drill(run, run_arguments.drill);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }

  try {
    Config config = load_config(config_file ? std::optional<std::filesystem::path>(*config_file) : std::nullopt);
    configure_logging(config.log_level);
    use_time_zone(config.timezone);
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
    if (*export_targets) return command_export_targets(config, parse_month_option(month_text));
    if (*dispatch) {
      dispatch_arguments.month = parse_month_option(month_text);
      return command_dispatch(config, dispatch_arguments);
    }
    if (*deliver) return command_deliver(config, deliver_arguments);
    if (*policy_list) return command_policy_list(config);
    if (*policy_create) return command_policy_create(config, policy_channels);
    if (*policy_activate) return command_policy_activate(config, policy_version);
    if (*policy_retire) return command_policy_retire(config, policy_version);
    if (*rotate) return command_rotate_keys(config);
    if (*run) {
      run_arguments.month = parse_month_option(month_text);
      run_arguments.drill.seed = run_arguments.seed;
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
