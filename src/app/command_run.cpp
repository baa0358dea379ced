// tr1l run: the main job on whatever backends are configured — seed when empty, settle,
// invoice, then dispatch and deliver on a simulated clock that walks the month after the
// billing month hour by hour, so a month of send days and quiet hours plays out in minutes.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "app/backends.h"
#include "app/commands.h"
#include "app/delivery_setup.h"
#include "common/local_time.h"
#include "common/manual_clock.h"
#include "common/progress.h"
#include "ports/delivery_store.h"

namespace tr1l::app {
namespace {

std::int64_t count_of(const std::map<std::string, std::int64_t>& counts, std::string_view status) {
  auto found = counts.find(std::string(status));
  return found == counts.end() ? 0 : found->second;
}

std::int64_t open_targets(const std::map<std::string, std::int64_t>& counts) {
  return count_of(counts, ports::target_status::kReady) + count_of(counts, ports::target_status::kRetry) +
         count_of(counts, ports::target_status::kQueued);
}

}  // namespace

int command_run(const Config& config, const RunArguments& arguments) {
  const ChannelDrill drill = channel_drill(arguments.drill);
  {
    auto database = database_factory(config)();
    if (database->customers().count_customers() == 0) {
      std::cout << "run: the database is empty; seeding " << arguments.users << " customers\n";
      const int status = command_seed(config, {arguments.users, arguments.month, arguments.seed, std::nullopt});
      if (status != 0) return status;
    }
  }
  int status = command_settle(config, {arguments.month, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  if (status != 0) return status;
  const int invoice_status = command_invoice(config, {arguments.month, false, {}, std::nullopt, std::nullopt});
  if (invoice_status != 0 && invoice_status != kExitRejectedRows) return invoice_status;

  const std::string month = arguments.month.to_string();
  auto database = database_factory(config)();
  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);
  auto bus = open_bus(config);
  bus->ensure_topics();
  ChannelSenderSet senders = open_channel_senders(config, drill);

  const auto first_hour = from_local({arguments.month.next().first_day(), 0, 0});
  // Catch-up and retries may spill past the month; a whole further month is the safety limit.
  const auto last_hour = from_local({arguments.month.next().next().last_day(), 23, 0});
  ManualClock clock(first_hour);
  delivery::DeliveryService service(
      {database_factory(config), object_store_factory(config), *bus, cipher, senders.by_channel, clock},
      delivery_options(config));
  const auto before = database->deliveries().count_targets_by_status(arguments.month);
  Progress progress("deliver " + month + " (simulated clock)", open_targets(before));

  std::atomic<bool> stop{false};
  delivery::DeliveryCounts counts;
  std::exception_ptr delivery_error;
  std::atomic<bool> delivery_ended{false};
  std::thread delivery_thread([&] {
    try {
      counts = service.run(stop, &progress);
    } catch (...) {
      delivery_error = std::current_exception();
    }
    delivery_ended = true;
  });

  while (!service.started() && !delivery_ended) std::this_thread::sleep_for(std::chrono::milliseconds{2});
  auto publisher = bus->publisher();
  dispatch::Dispatcher dispatcher(*database, publisher.get(), clock);
  const dispatch::DispatchOptions options = dispatch_options(config, arguments.month);
  std::map<domain::Date, std::int64_t> published_by_day;
  std::int64_t published = 0, exhausted_at_dispatch = 0;
  auto hour = first_hour;
  int steps = 0;
  try {
    for (; hour <= last_hour; hour += std::chrono::hours{1}) {
      clock.set(hour);
      ++steps;
      const dispatch::DispatchSummary summary = dispatcher.dispatch_due(options);
      published += summary.published;
      exhausted_at_dispatch += summary.exhausted;
      if (summary.published > 0) published_by_day[summary.local.date] += summary.published;
      // The hour is over when every request published so far has its outcome recorded.
      while (!delivery_ended && service.outcomes_recorded() < published) {
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
      }
      if (delivery_ended) break;
      if (summary.published > 0 || summary.exhausted > 0 || hour == first_hour) {
        auto counts_now = database->deliveries().count_targets_by_status(arguments.month);
        // Requests republished from an earlier, interrupted run are not counted in `published`.
        while (!delivery_ended && count_of(counts_now, ports::target_status::kQueued) > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds{20});
          counts_now = database->deliveries().count_targets_by_status(arguments.month);
        }
        if (open_targets(counts_now) == 0) break;
      }
    }
  } catch (...) {
    stop = true;
    delivery_thread.join();
    throw;
  }
  stop = true;
  delivery_thread.join();
  progress.finish();
  if (delivery_error) std::rethrow_exception(delivery_error);

  const auto after = database->deliveries().count_targets_by_status(arguments.month);
  const auto last_step = std::min(hour, last_hour);
  std::cout << fmt::format("run {}: dispatch and delivery on a simulated clock, {} → {} {} in {} hourly steps "
                           "(send days and quiet hours honoured as if in real time)\n",
                           month, format_local(first_hour), format_local(last_step), current_time_zone(), steps);
  std::string by_day;
  for (const auto& [day, count] : published_by_day) {
    by_day += fmt::format("{}{:02}-{:02} {}", by_day.empty() ? "" : " · ", day.month, day.day, group_thousands(count));
  }
  if (!by_day.empty()) std::cout << "run " << month << ": requests by day: " << by_day << "\n";
  std::cout << "run " << month << ": " << describe(counts, progress.elapsed_seconds()) << "\n";
  std::cout << "run " << month << ": targets";
  for (const auto& [target_status, count] : after) std::cout << " " << target_status << "=" << group_thousands(count);
  std::cout << "\n";
  const std::int64_t exhausted = count_of(after, ports::target_status::kExhausted);
  if (exhausted > 0) {
    std::cout << "run " << month << ": " << group_thousands(exhausted)
              << " targets EXHAUSTED every channel; list them with `tr1l export targets --month " << month << "`\n";
  }
  if (open_targets(after) > 0) {
    std::cout << "run " << month << ": " << group_thousands(open_targets(after))
              << " targets still open when the simulated clock stopped\n";
    return 1;
  }
  return invoice_status;
}

}  // namespace tr1l::app
