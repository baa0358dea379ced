#include "app/delivery_setup.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>

#include "common/local_time.h"
#include "common/progress.h"

namespace tr1l::app {

std::optional<domain::QuietHours> parse_system_quiet_hours(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto fail = [&] {
    return ConfigError("system quiet hours '" + text + "' (TR1L_SYSTEM_QUIET_HOURS / dispatch.system_quiet_hours): " +
                       "expected FROM-TO in whole hours 0-23, e.g. 21-8");
  };
  std::size_t dash = text.find('-');
  if (dash == std::string::npos) throw fail();
  domain::QuietHours window;
  auto number = [&](std::string_view digits, int& value) {
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return !digits.empty() && error == std::errc{} && end == digits.data() + digits.size();
  };
  std::string_view view(text);
  if (!number(view.substr(0, dash), window.from) || !number(view.substr(dash + 1), window.to) ||
      !domain::is_valid(window)) {
    throw fail();
  }
  return window;
}

dispatch::DispatchOptions dispatch_options(const Config& config, const domain::YearMonth& month) {
  dispatch::DispatchOptions options;
  options.month = month;
  options.system_quiet_window = parse_system_quiet_hours(config.dispatch.system_quiet_hours);
  options.batch_size = config.dispatch.batch_size;
  return options;
}

delivery::DeliveryOptions delivery_options(const Config& config) {
  delivery::DeliveryOptions options;
  options.concurrency = config.delivery.concurrency;
  options.batch_size = config.delivery.batch_size;
  options.retry_delay = config.delivery.retry_delay;
  options.stuck_after = config.delivery.stuck_after;
  options.requeue_after = config.delivery.requeue_after;
  options.group = config.delivery.group;
  return options;
}

ChannelDrill channel_drill(const DrillArguments& arguments) {
  ChannelDrill drill;
  drill.seed = arguments.seed;
  try {
    drill.failure_rates = adapters::parse_failure_rates(arguments.fail);
  } catch (const std::invalid_argument& error) {
    throw CLI::ValidationError("--fail", error.what());
  }
  try {
    drill.latencies = adapters::parse_latencies(arguments.latency);
  } catch (const std::invalid_argument& error) {
    throw CLI::ValidationError("--latency", error.what());
  }
  return drill;
}

std::string per_channel(const std::map<domain::Channel, std::int64_t>& counts) {
  std::string text;
  for (const auto& [channel, count] : counts) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", domain::to_string(channel), group_thousands(count));
  }
  return text.empty() ? "" : " (" + text + ")";
}

std::string describe(const dispatch::DispatchSummary& summary, const domain::YearMonth& month) {
  const std::string when = format_local(summary.at) + " " + current_time_zone();
  if (summary.system_quiet) {
    return fmt::format("dispatch {} at {}: inside the system quiet window; nothing dispatched", month.to_string(), when);
  }
  if (summary.send_day_limit == 0) {
    return fmt::format("dispatch {} at {}: nothing is due before {}", month.to_string(), when,
                       month.next().first_day().to_string());
  }
  return fmt::format("dispatch {} at {}: {} requests published{}, {} targets EXHAUSTED (no reachable channel); policy v{}",
                     month.to_string(), when, group_thousands(summary.published), per_channel(summary.published_by_channel),
                     group_thousands(summary.exhausted), summary.active_policy_version);
}

std::string describe(const delivery::DeliveryCounts& counts, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(counts.sent + counts.failed) / seconds : 0;
  return fmt::format(
      "deliver: {} sent{}, {} rounds failed{}, {} targets EXHAUSTED, {} unknown outcomes moved on, {} duplicate requests "
      "skipped, {} dead-lettered, {} republished; {:.1f} s ({} sends/s)",
      group_thousands(counts.sent), per_channel(counts.sent_by_channel), group_thousands(counts.failed),
      per_channel(counts.failed_by_channel), group_thousands(counts.exhausted), group_thousands(counts.unknown),
      group_thousands(counts.duplicates), group_thousands(counts.dead_lettered), group_thousands(counts.republished), seconds,
      group_thousands(static_cast<std::int64_t>(rate)));
}

}  // namespace tr1l::app
