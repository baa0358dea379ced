// Dispatch policies and delivery state (ports/delivery_store.h) on PostgreSQL. A batch is a few
// set-based statements whatever its size: rows go to the server as arrays and are unnested, the
// dispatcher's claim takes its rows FOR UPDATE SKIP LOCKED so concurrent dispatchers on any
// number of machines claim different targets, and policy changes are serialised by a table lock.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ports/delivery_store.h"

namespace tr1l::adapters::postgres {

class Connection;

class PostgresPolicyStore final : public ports::PolicyStore {
 public:
  explicit PostgresPolicyStore(Connection& connection) : connection_(connection) {}

  std::vector<domain::DispatchPolicy> list_policies() override;
  std::optional<domain::DispatchPolicy> find_policy(int version) override;
  std::optional<domain::DispatchPolicy> active_policy() override;
  domain::DispatchPolicy ensure_active_policy(const std::vector<domain::Channel>& channels) override;
  domain::DispatchPolicy create_policy(const std::vector<domain::Channel>& channels) override;
  void activate_policy(int version) override;
  void retire_policy(int version) override;

 private:
  Connection& connection_;
};

class PostgresDeliveryStore final : public ports::DeliveryStore {
 public:
  explicit PostgresDeliveryStore(Connection& connection) : connection_(connection) {}

  std::vector<ports::DeliveryRequest> claim_due_targets(
      const ports::DueSelection& selection,
      const std::function<ports::DispatchDecision(const ports::DueTarget&)>& decide) override;
  std::vector<ports::AttemptClaim> claim_attempts(std::span<const ports::DeliveryRequest> requests,
                                                  const std::string& owner, std::int64_t now) override;
  std::size_t record_outcomes(std::span<const ports::AttemptOutcome> outcomes, const std::string& owner) override;
  std::vector<ports::DeliveryRequest> waiting_attempts(std::int64_t published_before, std::size_t limit) override;
  std::vector<ports::SendingAttempt> sending_attempts(std::size_t limit) override;
  std::map<std::string, std::int64_t> count_targets_by_status(const domain::YearMonth& month) override;
  void for_each_target_summary(const domain::YearMonth& month,
                               const std::function<void(const ports::TargetSummary&)>& visit) override;
  std::vector<AttemptRecord> attempts_of(const domain::YearMonth& month, ports::UserId user_id) override;

 private:
  Connection& connection_;
};

// The statement record_outcomes runs and the arrays it binds to it for a batch ($1 to $11, in
// PostgreSQL's array text form), for the integration test that checks how the server plans it
// (RecordComparesEachOutcomeWithItsOwnAttemptOnly).
std::string_view record_outcomes_statement();
std::vector<std::string> record_outcomes_arguments(std::span<const ports::AttemptOutcome> outcomes,
                                                   const std::string& owner);

}  // namespace tr1l::adapters::postgres
