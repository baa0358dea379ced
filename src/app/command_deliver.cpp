// tr1l dispatch, tr1l deliver, tr1l export targets, tr1l policy.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/backends.h"
#include "app/commands.h"
#include "app/delivery_setup.h"
#include "common/csv.h"
#include "common/local_time.h"
#include "common/manual_clock.h"
#include "common/progress.h"
#include "dispatch/dispatcher.h"
#include "ports/delivery_store.h"

namespace tr1l::app {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) { stop_requested = true; }

// SIGINT / SIGTERM finish the sends in flight, record them and commit before exiting.
void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::unique_ptr<ports::Clock> clock_for(const std::optional<std::string>& at) {
  if (!at) return std::make_unique<ports::SystemClock>();
  auto instant = parse_timestamp(*at);
  if (!instant) {
    throw CLI::ValidationError("--at", "'" + *at + "' is not a time like 2026-11-05T10:00 (local) or 2026-11-05T01:00Z");
  }
  return std::make_unique<ManualClock>(*instant);
}

}  // namespace

int command_dispatch(const Config& config, const DispatchArguments& arguments) {
  auto clock = clock_for(arguments.at);
  auto database = database_factory(config)();
  auto bus = open_bus(config);
  std::unique_ptr<ports::BusPublisher> publisher;
  if (bus->shared_between_processes()) {
    bus->ensure_topics();
    publisher = bus->publisher();
  }
  dispatch::Dispatcher dispatcher(*database, publisher.get(), *clock);
  dispatch::DispatchOptions options = dispatch_options(config, arguments.month);
  auto summary = dispatcher.dispatch_due(options);
  std::cout << describe(summary, arguments.month) << "\n";
  if (!publisher && summary.published > 0) {
    std::cout << "dispatch: the in-process bus lives in one process; the claims are recorded and `tr1l deliver` "
                 "publishes them to itself\n";
  }
  return 0;
}

int command_deliver(const Config& config, const DeliverArguments& arguments) {
  auto clock = clock_for(arguments.at);
  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);
  auto bus = open_bus(config);
  bus->ensure_topics();
  ChannelSenderSet senders = open_channel_senders(config, channel_drill(arguments.drill));
  delivery::DeliveryOptions options = delivery_options(config);
  options.until_idle = arguments.until_idle;
  if (arguments.concurrency) options.concurrency = *arguments.concurrency;
  delivery::DeliveryService service({database_factory(config), object_store_factory(config), *bus, cipher,
                                     senders.by_channel, *clock},
                                    options);
  stop_on_signals();
  Progress progress("deliver");
  spdlog::info("deliver bus={} group={} concurrency={} until_idle={}", bus->backend(), options.group,
               options.concurrency, options.until_idle);
  auto counts = service.run(stop_requested, &progress);
  progress.finish();
  std::cout << describe(counts, progress.elapsed_seconds()) << "\n";
  if (counts.last_outcome_at) {
    const std::chrono::duration<double> since_epoch = counts.last_outcome_at->time_since_epoch();
    spdlog::info("last outcome recorded at unix time {:.3f}", since_epoch.count());
  }
  return 0;
}

int command_export_targets(const Config& config, const domain::YearMonth& month) {
  auto database = database_factory(config)();
  std::ios::sync_with_stdio(false);
  csv::write_record(std::cout, {"user_id", "status", "round", "channel", "attempts", "last_error"});
  database->deliveries().for_each_target_summary(month, [](const ports::TargetSummary& target) {
    const std::string user = std::to_string(target.user_id), round = std::to_string(target.round),
                      attempts = std::to_string(target.attempts);
    csv::write_record(std::cout, {user, target.status, round, target.channel ? domain::to_string(*target.channel) : "",
                                  attempts, target.last_error});
  });
  std::cout.flush();
  return 0;
}

int command_policy_list(const Config& config) {
  auto database = database_factory(config)();
  database->policies().ensure_active_policy(domain::default_channel_order());
  for (const auto& policy : database->policies().list_policies()) {
    std::cout << "v" << policy.version << "  " << domain::to_string(policy.state) << "  "
              << domain::format_channel_order(policy.channels) << "\n";
  }
  return 0;
}

int command_policy_create(const Config& config, const std::string& channels) {
  std::vector<domain::Channel> order;
  try {
    order = domain::parse_channel_order(channels);
  } catch (const domain::PolicyError& error) {
    throw CLI::ValidationError("channels", error.what());
  }
  auto database = database_factory(config)();
  database->policies().ensure_active_policy(domain::default_channel_order());
  auto policy = database->policies().create_policy(order);
  std::cout << "policy v" << policy.version << " created as DRAFT: " << domain::format_channel_order(policy.channels)
            << " (activate with `tr1l policy activate " << policy.version << "`)\n";
  return 0;
}

int command_policy_activate(const Config& config, int version) {
  auto database = database_factory(config)();
  database->policies().ensure_active_policy(domain::default_channel_order());
  database->policies().activate_policy(version);
  std::cout << "policy v" << version << " is ACTIVE; targets already under way keep their policy\n";
  return 0;
}

int command_policy_retire(const Config& config, int version) {
  auto database = database_factory(config)();
  database->policies().retire_policy(version);
  std::cout << "policy v" << version << " is RETIRED\n";
  return 0;
}

}  // namespace tr1l::app
