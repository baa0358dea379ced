// What dispatch and delivery keep in the database (SPEC §6): the dispatch policies, the state of
// each dispatch target, and one delivery attempt per (month, user, round). The attempt row is the
// duplicate guard: a round is sent at most once however often the bus redelivers its request.
//
// Target statuses after the invoice job's READY:
//   READY ──dispatch──▶ QUEUED ──sent──▶ SENT
//                         │
//                         └─failed / unknown outcome──▶ RETRY (next round) ──dispatch──▶ QUEUED …
//                                                     └▶ EXHAUSTED (no channel left)
// Attempt statuses: PUBLISHED (claimed by a dispatcher, request on the bus) → SENDING (claimed by
// a delivery worker) → SENT | FAILED | UNKNOWN (the worker vanished mid-send; never resent on the
// same channel).
//
// All times are unix seconds from the job's clock (which `tr1l run` simulates), not the
// database's.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/dispatch_policy.h"
#include "domain/send_schedule.h"
#include "ports/dispatch_targets.h"

namespace tr1l::ports {

namespace target_status {
inline constexpr std::string_view kQueued = "QUEUED";
inline constexpr std::string_view kRetry = "RETRY";
inline constexpr std::string_view kSent = "SENT";
inline constexpr std::string_view kExhausted = "EXHAUSTED";
}  // namespace target_status

namespace attempt_status {
inline constexpr std::string_view kPublished = "PUBLISHED";
inline constexpr std::string_view kSending = "SENDING";
inline constexpr std::string_view kSent = "SENT";
inline constexpr std::string_view kFailed = "FAILED";
inline constexpr std::string_view kUnknown = "UNKNOWN";
}  // namespace attempt_status

// A policy change that breaks the rules: activating a policy that is not DRAFT, retiring the
// ACTIVE one while nothing replaces it is allowed, a version that does not exist, …
class PolicyConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PolicyStore {
 public:
  virtual ~PolicyStore() = default;
  virtual std::vector<domain::DispatchPolicy> list_policies() = 0;  // by version
  virtual std::optional<domain::DispatchPolicy> find_policy(int version) = 0;
  virtual std::optional<domain::DispatchPolicy> active_policy() = 0;
  // The ACTIVE policy; when no policy exists at all, first creates version 1 with `channels`
  // as ACTIVE. Safe to race: concurrent callers all get the same policy.
  virtual domain::DispatchPolicy ensure_active_policy(const std::vector<domain::Channel>& channels) = 0;
  // A new DRAFT with the next version number.
  virtual domain::DispatchPolicy create_policy(const std::vector<domain::Channel>& channels) = 0;
  // In one transaction: the current ACTIVE policy (if any) becomes RETIRED, `version` ACTIVE.
  // Throws PolicyConflict unless `version` exists and is DRAFT.
  virtual void activate_policy(int version) = 0;
  // Throws PolicyConflict unless `version` exists and is DRAFT or ACTIVE.
  virtual void retire_policy(int version) = 0;
};

// Which targets a dispatcher may claim now.
struct DueSelection {
  domain::YearMonth month;
  std::int64_t now = 0;             // READY targets, and RETRY targets with next_attempt_at <= now
  int send_day_limit = 0;           // COALESCE(send_day, 1) <= limit (domain::due_send_day_limit)
  int local_hour = 0;               // excluded: targets whose quiet hours cover this hour
  std::size_t limit = 1000;
  // Only targets with a larger user id. Within one dispatch run "now" is fixed, so a target
  // passed over once (quiet, day not come) stays not due: the dispatcher moves this cursor past
  // each batch instead of walking those rows again for every batch.
  UserId after_user_id = std::numeric_limits<UserId>::min();
};

// A due target as the dispatcher sees it, before deciding its round.
struct DueTarget {
  UserId user_id = 0;
  std::string status;                 // READY or RETRY
  int round = 0;                      // READY: 0; RETRY: the round to try next
  std::optional<int> policy_version;  // the policy the target started under (RETRY only)
  domain::Reachability reach;         // has e-mail address + e-mail object / phone + SMS object
};

struct DispatchDecision {
  bool exhausted = false;  // no channel can reach the target: it becomes EXHAUSTED
  int round = 0;
  domain::Channel channel = domain::Channel::Email;
  int policy_version = 0;
  std::string reason;  // for an EXHAUSTED target: why ("no reachable channel left")
};

// One request on the bus (identifiers only).
struct DeliveryRequest {
  domain::YearMonth month;
  UserId user_id = 0;
  int round = 0;
  domain::Channel channel = domain::Channel::Email;
  int policy_version = 0;
  std::string attempt_id() const;  // domain::AttemptKey{month, user_id, round}.to_string()
};

// What the delivery worker gets when it claims an attempt.
enum class AttemptClaimResult {
  Claimed,    // PUBLISHED → SENDING by this owner: go ahead and send
  Duplicate,  // already SENDING or finished: the request was delivered again; skip it
  Unknown,    // no such attempt (or month/user/round/channel disagree): dead-letter it
};

struct AttemptClaim {
  DeliveryRequest request;
  AttemptClaimResult result = AttemptClaimResult::Unknown;
  std::optional<DispatchTarget> target;  // filled when Claimed
};

// The recorded end of one attempt and where its target goes next.
struct AttemptOutcome {
  DeliveryRequest request;
  std::string attempt_status{attempt_status::kSent};  // SENT, FAILED or UNKNOWN
  std::string error;                                  // FAILED/UNKNOWN: the reason, recorded
  std::string target_status{target_status::kSent};    // SENT, RETRY or EXHAUSTED
  int next_round = 0;                                 // RETRY: the round to try next
  std::int64_t next_attempt_at = 0;                   // RETRY: not before this time
  std::int64_t finished_at = 0;
};

// An attempt in SENDING, for the sweeper to judge.
struct SendingAttempt {
  DeliveryRequest request;
  std::string owner;  // common/worker_identity text
  std::int64_t started_at = 0;
  domain::Reachability reach;  // of its target, to choose the next round
};

// One line of `tr1l export targets`.
struct TargetSummary {
  UserId user_id = 0;
  std::string status;
  int round = 0;
  std::optional<domain::Channel> channel;  // of the latest attempt
  int attempts = 0;
  std::string last_error;
};

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Dispatcher. In one transaction: selects up to `selection.limit` due targets in user id
  // order that no concurrent dispatcher holds (PostgreSQL: FOR UPDATE SKIP LOCKED), asks
  // `decide` for each, and stores the decision — the target QUEUED with its round, channel,
  // policy version and attempts + 1, plus a PUBLISHED attempt; or the target EXHAUSTED with the
  // reason. Returns the requests to publish, in user id order.
  virtual std::vector<DeliveryRequest> claim_due_targets(const DueSelection& selection,
                                                         const std::function<DispatchDecision(const DueTarget&)>& decide) = 0;

  // Delivery. In one transaction: each PUBLISHED attempt becomes SENDING by `owner` at `now`.
  // One answer per request, in order.
  virtual std::vector<AttemptClaim> claim_attempts(std::span<const DeliveryRequest> requests, const std::string& owner,
                                                   std::int64_t now) = 0;

  // Delivery and sweeper. In one transaction, for each outcome whose attempt is still SENDING by
  // `owner`: records the attempt's end and moves the target. An outcome whose attempt is no
  // longer SENDING by `owner` (the sweeper already judged it) changes nothing. Returns how many
  // were recorded.
  virtual std::size_t record_outcomes(std::span<const AttemptOutcome> outcomes, const std::string& owner) = 0;

  // Sweeper: PUBLISHED attempts published at or before `published_before`, oldest first, whose
  // bus record may have been lost (dispatcher killed between claim and publish, in-process bus).
  virtual std::vector<DeliveryRequest> waiting_attempts(std::int64_t published_before, std::size_t limit) = 0;
  // Sweeper: every SENDING attempt, oldest first.
  virtual std::vector<SendingAttempt> sending_attempts(std::size_t limit) = 0;

  // Reporting.
  virtual std::map<std::string, std::int64_t> count_targets_by_status(const domain::YearMonth& month) = 0;
  virtual void for_each_target_summary(const domain::YearMonth& month,
                                       const std::function<void(const TargetSummary&)>& visit) = 0;
  // Attempts of one target, by round (for tests and the admin API).
  struct AttemptRecord {
    int round = 0;
    domain::Channel channel = domain::Channel::Email;
    std::string status;
    std::string error;
    std::optional<std::string> owner;
  };
  virtual std::vector<AttemptRecord> attempts_of(const domain::YearMonth& month, UserId user_id) = 0;
};

}  // namespace tr1l::ports
