// Configuration of dispatch and delivery shared by `tr1l dispatch`, `tr1l deliver` and
// `tr1l run`, and the one-line summaries they print.
#pragma once

#include <string>

#include "app/backends.h"
#include "app/commands.h"
#include "app/config.h"
#include "delivery/delivery_service.h"
#include "dispatch/dispatcher.h"

namespace tr1l::app {

// "21-8" → 21:00 up to 08:00. Throws ConfigError naming the setting when malformed.
std::optional<domain::QuietHours> parse_system_quiet_hours(const std::string& text);

dispatch::DispatchOptions dispatch_options(const Config& config, const domain::YearMonth& month);
delivery::DeliveryOptions delivery_options(const Config& config);
// Throws CLI::ValidationError naming the option and entry when malformed.
ChannelDrill channel_drill(const DrillArguments& arguments);

std::string describe(const dispatch::DispatchSummary& summary, const domain::YearMonth& month);
std::string describe(const delivery::DeliveryCounts& counts, double seconds);
std::string per_channel(const std::map<domain::Channel, std::int64_t>& counts);

}  // namespace tr1l::app
