#include "dispatch/dispatcher.h"

#include <algorithm>
#include <stdexcept>

#include "common/local_time.h"
#include "dispatch/delivery_messages.h"
#include "ports/delivery_store.h"

namespace tr1l::dispatch {

Dispatcher::Dispatcher(ports::Database& database, ports::BusPublisher* publisher, const ports::Clock& clock)
    : database_(database), publisher_(publisher), clock_(clock) {}

const domain::DispatchPolicy& Dispatcher::policy(int version) {
  auto found = policies_.find(version);
  if (found != policies_.end()) return found->second;
  auto stored = database_.policies().find_policy(version);
  // Policies are never deleted, so a target naming a missing one means a damaged database.
  if (!stored) throw std::runtime_error("dispatch policy version " + std::to_string(version) + " does not exist");
  return policies_.emplace(version, *stored).first->second;
}

DispatchSummary Dispatcher::dispatch_due(const DispatchOptions& options) {
  DispatchSummary summary;
  summary.at = clock_.now();
  summary.local = to_local(summary.at);
  summary.send_day_limit = domain::due_send_day_limit(options.month, summary.local.date);
  const domain::DispatchPolicy active = database_.policies().ensure_active_policy(domain::default_channel_order());
  policies_[active.version] = active;
  summary.active_policy_version = active.version;
  if (options.system_quiet_window && domain::is_quiet(*options.system_quiet_window, summary.local.hour)) {
    summary.system_quiet = true;
    return summary;
  }
  if (summary.send_day_limit == 0) return summary;

  ports::DueSelection selection{.month = options.month,
                                .now = ports::unix_seconds(summary.at),
                                .send_day_limit = summary.send_day_limit,
                                .local_hour = summary.local.hour,
                                .limit = options.batch_size};
  auto decide = [&](const ports::DueTarget& target) {
    // A retry round stays on the policy its target started under, so a policy change never
    // sends one customer's rounds out of order or twice on one channel.
    const domain::DispatchPolicy& chosen = target.policy_version ? policy(*target.policy_version) : active;
    ports::DispatchDecision decision;
    decision.policy_version = chosen.version;
    auto round = domain::next_round(chosen.channels, target.round, target.reach);
    if (!round) {
      decision.exhausted = true;
      decision.reason = target.round == 0 ? "no channel of policy v" + std::to_string(chosen.version) +
                                                " can reach this customer"
                                          : "no channel left after round " + std::to_string(target.round - 1);
      return decision;
    }
    decision.round = *round;
    decision.channel = chosen.channels[static_cast<std::size_t>(*round)];
    return decision;
  };

  // Publishing is asynchronous; confirming every few batches rather than each one keeps claims
  // flowing while the bus acknowledges, and bounds what a bus failure leaves to the sweeper.
  constexpr int kBatchesPerFlush = 10;
  int unflushed_batches = 0;
  while (true) {
    std::int64_t exhausted_in_batch = 0;
    std::size_t examined = 0;
    ports::UserId last_examined = selection.after_user_id;
    auto counting_decide = [&](const ports::DueTarget& target) {
      ++examined;
      last_examined = std::max(last_examined, target.user_id);
      ports::DispatchDecision decision = decide(target);
      if (decision.exhausted) ++exhausted_in_batch;
      return decision;
    };
    std::vector<ports::DeliveryRequest> requests = database_.deliveries().claim_due_targets(selection, counting_decide);
    selection.after_user_id = last_examined;
    summary.exhausted += exhausted_in_batch;
    for (const ports::DeliveryRequest& request : requests) {
      if (publisher_) publisher_->publish(ports::Topic::DeliveryRequests, record_key(request), encode_request(request));
      ++summary.published;
      ++summary.published_by_channel[request.channel];
    }
    if (!requests.empty()) ++unflushed_batches;
    if (publisher_ && unflushed_batches >= kBatchesPerFlush) {
      publisher_->flush(options.flush_timeout);
      unflushed_batches = 0;
    }
    if (examined < options.batch_size) break;
  }
  if (publisher_ && unflushed_batches > 0) publisher_->flush(options.flush_timeout);
  return summary;
}

}  // namespace tr1l::dispatch
