#include "adapters/sql/delivery_rows.h"

#include <chrono>
#include <stdexcept>

namespace tr1l::adapters::sql {
namespace {

// "dispatch policy version 2: it is ACTIVE" / "...: it does not exist".
std::string describe(int version, std::optional<domain::PolicyState> state) {
  std::string text = "dispatch policy version " + std::to_string(version) + ": it ";
  if (!state) return text + "does not exist";
  return text + "is " + std::string(domain::to_string(*state));
}

}  // namespace

domain::Channel stored_channel(std::string_view text) {
  auto channel = domain::parse_channel(text);
  if (!channel) throw ports::DatabaseError("stored channel '" + std::string(text) + "' is not EMAIL, SMS or KAKAO");
  return *channel;
}

domain::DispatchPolicy stored_policy(std::int64_t version, std::string_view channels, std::string_view state) {
  domain::DispatchPolicy policy;
  policy.version = static_cast<int>(version);
  try {
    policy.channels = domain::parse_channel_order(channels);
  } catch (const domain::PolicyError& error) {
    throw ports::DatabaseError("stored dispatch policy version " + std::to_string(version) +
                               " has a malformed channel list: " + error.what());
  }
  auto parsed_state = domain::parse_policy_state(state);
  if (!parsed_state) {
    throw ports::DatabaseError("stored dispatch policy version " + std::to_string(version) + " has unknown state '" +
                               std::string(state) + "'");
  }
  policy.state = *parsed_state;
  return policy;
}

std::string channel_list_to_store(const std::vector<domain::Channel>& channels) {
  std::string text = domain::format_channel_order(channels);
  domain::parse_channel_order(text);  // throws PolicyError for an empty list or a repeated channel
  return text;
}

std::int64_t policy_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check_outcome(const ports::AttemptOutcome& outcome) {
  namespace attempt = ports::attempt_status;
  namespace target = ports::target_status;
  const std::string& attempt_status = outcome.attempt_status;
  const std::string& target_status = outcome.target_status;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("outcome of attempt " + outcome.request.attempt_id() + " (attempt " + attempt_status +
                                ", target " + target_status + "): " + why);
  };
  if (attempt_status == attempt::kSent) {
    if (target_status != target::kSent) refuse("a sent attempt leaves its target SENT");
    return;
  }
  if (attempt_status != attempt::kFailed && attempt_status != attempt::kUnknown) {
    refuse("an attempt ends SENT, FAILED or UNKNOWN");
  }
  if (target_status == target::kRetry) {
    if (outcome.next_round <= outcome.request.round) refuse("the next round must come after the attempt's round");
    return;
  }
  if (target_status != target::kExhausted) refuse("after a failed or unknown send the target is RETRY or EXHAUSTED");
}

ports::PolicyConflict cannot_activate(int version, std::optional<domain::PolicyState> state) {
  std::string message = "cannot activate " + describe(version, state);
  if (state) message += ", and only a DRAFT policy can be activated";
  return ports::PolicyConflict(message);
}

ports::PolicyConflict cannot_retire(int version, std::optional<domain::PolicyState> state) {
  std::string message = "cannot retire " + describe(version, state);
  if (state) message += ", and only a DRAFT or ACTIVE policy can be retired";
  return ports::PolicyConflict(message);
}

ports::PolicyConflict no_active_policy(const std::vector<domain::DispatchPolicy>& policies) {
  std::string message = "no dispatch policy is ACTIVE";
  if (!policies.empty()) {
    const domain::DispatchPolicy& latest = policies.back();
    message += " (the latest is version " + std::to_string(latest.version) + ", " +
               std::string(domain::to_string(latest.state)) + "); activate one to resume dispatch";
  }
  return ports::PolicyConflict(message);
}

}  // namespace tr1l::adapters::sql
