#include "adapters/postgres/postgres_delivery_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "adapters/postgres/array_literal.h"
#include "adapters/postgres/postgres_connection.h"
#include "adapters/postgres/postgres_target_row.h"
#include "adapters/sql/delivery_rows.h"

namespace tr1l::adapters::postgres {
namespace {

using domain::YearMonth;
using ports::UserId;

constexpr UserId kLowestUserId = std::numeric_limits<UserId>::min();
// Rows per keyset page of for_each_target_summary, as for the other month-long walks.
constexpr std::int64_t kPageSize = 5000;

// Every batch is planned for itself (a custom plan), with its arrays' real lengths and the
// tables' sizes as they are now. A plan kept for the session (a generic plan) is made once, on
// the tables as they were then, guessing 10 rows for an array; a month's attempts table starts
// empty, so a month's first claim and record planned to read that table whole and kept doing so
// for every batch as it grew to a million rows (docs/BENCHMARKS.md, "Slow passes"). Turning
// plan nodes off did not save the generic plan: on an empty table the planner then walked the
// whole primary key instead. A custom plan reads a table whole only while the planner puts that
// at about the cost of probing each key (early in a month, up to a few tens of thousands of
// attempts), and costs 0.3-0.5 ms of planning per batch.
// BatchesReadOnlyTheirOwnAttemptsOnATableThatGrewDuringTheSession (integration test) holds it.
constexpr std::string_view kBeginBatch = "BEGIN; SET LOCAL plan_cache_mode = force_custom_plan";

// ---------------------------------------------------------------------------------------------
// Policies

constexpr std::string_view kListPolicies = R"sql(
SELECT version, channels, state FROM dispatch_policy ORDER BY version)sql";

constexpr std::string_view kFindPolicy = R"sql(
SELECT version, channels, state FROM dispatch_policy WHERE version = $1::integer)sql";

constexpr std::string_view kActivePolicy = R"sql(
SELECT version, channels, state FROM dispatch_policy WHERE state = 'ACTIVE')sql";

// Only into an empty table. Two processes racing both try version 1; the loser waits for the
// winner's commit on the primary key and then does nothing.
constexpr std::string_view kInsertFirstPolicy = R"sql(
INSERT INTO dispatch_policy (version, channels, state, created_at, activated_at)
SELECT 1, $1::text, 'ACTIVE', $2::bigint, $2::bigint
WHERE NOT EXISTS (SELECT 1 FROM dispatch_policy)
ON CONFLICT DO NOTHING)sql";

// Policy changes are rare operator actions: one at a time, so two of them never pick the same
// next version or activate two drafts at once. Readers and the dispatcher are not blocked.
constexpr std::string_view kLockPolicies = "LOCK TABLE dispatch_policy IN SHARE ROW EXCLUSIVE MODE";

constexpr std::string_view kInsertDraft = R"sql(
INSERT INTO dispatch_policy (version, channels, state, created_at)
SELECT COALESCE(max(version), 0) + 1, $1::text, 'DRAFT', $2::bigint FROM dispatch_policy
RETURNING version)sql";

// Retired first: the unique index refuses a second ACTIVE row even for a moment.
constexpr std::string_view kRetireActive = R"sql(
UPDATE dispatch_policy SET state = 'RETIRED', retired_at = $1::bigint WHERE state = 'ACTIVE')sql";

constexpr std::string_view kActivate = R"sql(
UPDATE dispatch_policy SET state = 'ACTIVE', activated_at = $1::bigint WHERE version = $2::integer)sql";

constexpr std::string_view kRetire = R"sql(
UPDATE dispatch_policy SET state = 'RETIRED', retired_at = $1::bigint WHERE version = $2::integer)sql";

// ---------------------------------------------------------------------------------------------
// Dispatch

// Due: READY, or RETRY whose time has come; the send day (1 when unset) has come; and not inside
// the target's quiet hours [quiet_from, quiet_to), a window that crosses midnight when
// quiet_from > quiet_to (domain::is_quiet is the reference; equal ends are never quiet). The
// sent_at IS NULL term is the predicate of the dispatch_target_due index (targets not yet sent),
// whose user id order serves ORDER BY ... LIMIT; the caller's `after_user_id` cursor keeps a pass
// from re-reading the QUEUED rows it claimed. SKIP LOCKED passes over rows a concurrent dispatcher
// is claiming right now instead of waiting for them or claiming them twice.
constexpr std::string_view kSelectDue = R"sql(
SELECT user_id, status, round, policy_version,
       email_ciphertext IS NOT NULL AND email_key IS NOT NULL,
       phone_ciphertext IS NOT NULL AND sms_key IS NOT NULL
FROM dispatch_target
WHERE month = $1::text
  AND user_id > $6::bigint
  AND sent_at IS NULL
  AND status IN ('READY', 'RETRY')
  AND (status = 'READY' OR next_attempt_at <= $2::bigint)
  AND COALESCE(send_day, 1) <= $3::integer
  AND NOT (quiet_from IS NOT NULL AND quiet_to IS NOT NULL
           AND ((quiet_from < quiet_to AND $4::integer >= quiet_from AND $4::integer < quiet_to)
             OR (quiet_from > quiet_to AND ($4::integer >= quiet_from OR $4::integer < quiet_to))))
ORDER BY user_id
LIMIT $5::bigint
FOR UPDATE SKIP LOCKED)sql";

// The claimed targets become QUEUED and each gets its PUBLISHED attempt, in one statement. A
// round that was already attempted fails on the attempt's primary key and rolls the batch back:
// the attempt row is what guarantees a round is sent at most once. Attempts are made from the
// rows the update returns, so every attempt has its target (the schema has no foreign key for
// that: migrations/postgres/0004_delivery_hot_path.sql).
constexpr std::string_view kQueueAndPublish = R"sql(
WITH claim AS (
  SELECT *
  FROM unnest($2::bigint[], $3::integer[], $4::text[], $5::integer[]) AS c (user_id, round, channel, policy_version)
), queued AS (
  UPDATE dispatch_target AS t
  SET status = 'QUEUED', round = c.round, channel = c.channel, policy_version = c.policy_version,
      attempts = t.attempts + 1, next_attempt_at = NULL, updated_at = to_timestamp($6::bigint)
  FROM claim AS c
  WHERE t.month = $1::text AND t.user_id = c.user_id
  RETURNING t.user_id, t.round, t.channel, t.policy_version
)
INSERT INTO delivery_attempt (month, user_id, round, channel, policy_version, status, published_at)
SELECT $1::text, user_id, round, channel, policy_version, 'PUBLISHED', $6::bigint
FROM queued)sql";

constexpr std::string_view kExhaustUnreachable = R"sql(
UPDATE dispatch_target AS t
SET status = 'EXHAUSTED', policy_version = e.policy_version, last_error = e.reason, next_attempt_at = NULL,
    updated_at = to_timestamp($5::bigint)
FROM unnest($2::bigint[], $3::integer[], $4::text[]) AS e (user_id, policy_version, reason)
WHERE t.month = $1::text AND t.user_id = e.user_id)sql";

// ---------------------------------------------------------------------------------------------
// Delivery

// Claiming and recording are each one fenced update: an attempt changes only if it is still in
// the state the caller expects (PUBLISHED to claim; SENDING by this owner to record). Under READ
// COMMITTED a row a concurrent worker has just changed is re-checked against the fence on its new
// version, so exactly one of two workers passes it. Keys are sent in key order and the update
// probes the primary key once per key in that order, so two workers whose batches overlap lock in
// the same order and wait for each other instead of deadlocking.
//
// The expected status and owner come from columns of the batch, not from literals or a single
// parameter: with a partial index on that status (migration 0003 had two), `a.status = 'SENDING'`
// let the planner read the whole index instead of probing one key per row, which made every
// batch cost as much as the whole table (docs/BENCHMARKS.md, "Tried and reverted"). And
// `a.owner = $11`, planned for this batch, is a new owner the table's statistics have never seen,
// so the planner took it to match one row, scanned the table for it and compared every row it
// found with every outcome of the batch: 0.6-7 s per batch (docs/BENCHMARKS.md, 2026-11-22
// 21:15 UTC). A fence that only the join can evaluate keeps the plan to key probes
// (RecordComparesEachOutcomeWithItsOwnAttemptOnly, integration test).
//
// A claimed attempt's target comes back with it.
const std::string& claim_attempts_sql() {
  static const std::string sql = R"sql(
WITH request AS (
  SELECT *
  FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::text[], $5::text[])
       AS r (month, user_id, round, channel, expected_status)
), claimed AS (
  UPDATE delivery_attempt AS a
  SET status = 'SENDING', owner = $6::text, started_at = $7::bigint
  FROM request AS r
  WHERE a.user_id = r.user_id AND a.month = r.month AND a.round = r.round
    AND a.channel = r.channel AND a.status = r.expected_status
  RETURNING a.month, a.user_id, a.round
)
SELECT claimed.month, claimed.user_id, claimed.round, )sql" + target_columns("target.") + R"sql(
FROM claimed
LEFT JOIN LATERAL (
  SELECT t.*
  FROM dispatch_target AS t
  WHERE t.month = claimed.month AND t.user_id = claimed.user_id
  OFFSET 0
) AS target ON true)sql";
  return sql;
}

// The channel of each key's attempt (NULL when there is none), in the order of the keys: tells a
// redelivered request (Duplicate) from one that matches no attempt (Unknown). Read only for the
// requests a claim did not take, which is none in the steady state.
constexpr std::string_view kAttemptChannels = R"sql(
SELECT found.channel
FROM unnest($1::text[], $2::bigint[], $3::integer[]) WITH ORDINALITY AS r (month, user_id, round, ordinal)
LEFT JOIN LATERAL (
  SELECT a.channel
  FROM delivery_attempt AS a
  WHERE a.user_id = r.user_id AND a.month = r.month AND a.round = r.round
) AS found ON true
ORDER BY r.ordinal)sql";

// The attempts that pass the fence record their end and their targets move on, in one statement:
// a target changes only with its attempt. A SENT target keeps the error of an earlier failed
// round, so the export shows why it took more than one channel. The statement's row count is the
// number of outcomes recorded (every attempt has its target: kQueueAndPublish).
constexpr std::string_view kRecordOutcomes = R"sql(
WITH outcome AS (
  SELECT *
  FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::text[], $5::text[], $6::text[],
              $7::integer[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
       AS o (month, user_id, round, attempt_status, error, target_status, next_round, next_attempt_at, finished_at,
             expected_status, expected_owner)
), finished AS (
  UPDATE delivery_attempt AS a
  SET status = o.attempt_status, error = o.error, finished_at = o.finished_at
  FROM outcome AS o
  WHERE a.user_id = o.user_id AND a.month = o.month AND a.round = o.round
    AND a.status = o.expected_status AND a.owner = o.expected_owner
  RETURNING o.*
)
UPDATE dispatch_target AS t
SET status = f.target_status,
    round = CASE WHEN f.target_status = 'RETRY' THEN f.next_round ELSE t.round END,
    next_attempt_at = CASE WHEN f.target_status = 'RETRY' THEN f.next_attempt_at END,
    last_error = CASE WHEN f.target_status = 'SENT' THEN t.last_error ELSE f.error END,
    sent_at = CASE WHEN f.target_status = 'SENT' THEN f.finished_at ELSE t.sent_at END,
    updated_at = to_timestamp(f.finished_at)
FROM finished AS f
WHERE t.month = f.month AND t.user_id = f.user_id)sql";

// Both sweeper questions read the index of unfinished attempts (finished_at IS NULL: PUBLISHED
// and SENDING ones), which holds only what is in flight.
constexpr std::string_view kWaitingAttempts = R"sql(
SELECT month, user_id, round, channel, policy_version
FROM delivery_attempt
WHERE finished_at IS NULL AND status = 'PUBLISHED' AND published_at <= $1::bigint
ORDER BY published_at, month, user_id, round
LIMIT $2::bigint)sql";

constexpr std::string_view kSendingAttempts = R"sql(
SELECT a.month, a.user_id, a.round, a.channel, a.policy_version, a.owner, a.started_at,
       t.email_ciphertext IS NOT NULL AND t.email_key IS NOT NULL,
       t.phone_ciphertext IS NOT NULL AND t.sms_key IS NOT NULL
FROM delivery_attempt AS a
JOIN dispatch_target AS t ON t.month = a.month AND t.user_id = a.user_id
WHERE a.finished_at IS NULL AND a.status = 'SENDING'
ORDER BY a.started_at, a.month, a.user_id, a.round
LIMIT $1::bigint)sql";

// ---------------------------------------------------------------------------------------------
// Reporting

constexpr std::string_view kCountByStatus = R"sql(
SELECT status, count(*) FROM dispatch_target WHERE month = $1::text GROUP BY status)sql";

// A FAILED target never reached dispatch; its invoice error is the one to show.
constexpr std::string_view kTargetSummaryPage = R"sql(
SELECT user_id, status, round, channel, attempts, COALESCE(last_error, error, '')
FROM dispatch_target
WHERE month = $1::text AND user_id > $2::bigint
ORDER BY user_id
LIMIT $3::bigint)sql";

constexpr std::string_view kAttemptsOf = R"sql(
SELECT round, channel, status, COALESCE(error, ''), owner
FROM delivery_attempt
WHERE month = $1::text AND user_id = $2::bigint
ORDER BY round)sql";

// ---------------------------------------------------------------------------------------------

std::int64_t clamp_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

bool bool_value(const PGresult* result, int row, int column) { return text_value(result, row, column) == "t"; }

YearMonth month_value(const PGresult* result, int row, int column) {
  auto month = YearMonth::parse(text_value(result, row, column));
  if (!month) {
    throw ports::DatabaseError("PostgreSQL returned a malformed month '" +
                               std::string(text_value(result, row, column)) + "'");
  }
  return *month;
}

// Positions of `items` in attempt key order (stable: copies of one key keep their order). Batches
// are sent in this order so concurrent statements lock shared rows in the same order and cannot
// deadlock on each other (a redelivered batch arrives at a second worker in any order).
template <typename Item, typename KeyOf>
std::vector<std::size_t> in_key_order(std::span<const Item> items, KeyOf key_of) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t index = 0; index < order.size(); ++index) order[index] = index;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
    return key_of(items[left]) < key_of(items[right]);
  });
  return order;
}

std::tuple<YearMonth, UserId, int> attempt_key(const ports::DeliveryRequest& request) {
  return {request.month, request.user_id, request.round};
}

// The keys of a batch of attempts as array parameters.
struct AttemptKeys {
  ArrayLiteral months, users, rounds;
  void add(const ports::DeliveryRequest& request) {
    months.add(request.month.to_string());
    users.add(request.user_id);
    rounds.add(std::int64_t{request.round});
  }
};

std::vector<domain::DispatchPolicy> read_policies(const PGresult* result) {
  std::vector<domain::DispatchPolicy> policies;
  for (int row = 0; row < PQntuples(result); ++row) {
    policies.push_back(sql::stored_policy(int64_value(result, row, 0), text_value(result, row, 1),
                                          text_value(result, row, 2)));
  }
  return policies;
}

std::optional<domain::DispatchPolicy> first_policy(const PGresult* result) {
  auto policies = read_policies(result);
  if (policies.empty()) return std::nullopt;
  return policies.front();
}

// A kWaitingAttempts / kSendingAttempts row's request.
ports::DeliveryRequest read_request(const PGresult* result, int row) {
  ports::DeliveryRequest request;
  request.month = month_value(result, row, 0);
  request.user_id = int64_value(result, row, 1);
  request.round = static_cast<int>(int64_value(result, row, 2));
  request.channel = sql::stored_channel(text_value(result, row, 3));
  request.policy_version = static_cast<int>(int64_value(result, row, 4));
  return request;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Policies

std::vector<domain::DispatchPolicy> PostgresPolicyStore::list_policies() {
  Result result = connection_.execute_prepared("list_policies", kListPolicies, Params());
  return read_policies(result.get());
}

std::optional<domain::DispatchPolicy> PostgresPolicyStore::find_policy(int version) {
  Result result = connection_.execute_prepared("find_policy", kFindPolicy, Params().add(version));
  return first_policy(result.get());
}

std::optional<domain::DispatchPolicy> PostgresPolicyStore::active_policy() {
  Result result = connection_.execute_prepared("active_policy", kActivePolicy, Params());
  return first_policy(result.get());
}

domain::DispatchPolicy PostgresPolicyStore::ensure_active_policy(const std::vector<domain::Channel>& channels) {
  const std::string channel_list = sql::channel_list_to_store(channels);
  connection_.execute_prepared("insert_first_policy", kInsertFirstPolicy,
                               Params().add(channel_list).add(sql::policy_clock_seconds()));
  if (auto active = active_policy()) return *active;
  throw sql::no_active_policy(list_policies());
}

domain::DispatchPolicy PostgresPolicyStore::create_policy(const std::vector<domain::Channel>& channels) {
  const std::string channel_list = sql::channel_list_to_store(channels);
  Transaction transaction(connection_);
  connection_.execute(kLockPolicies);
  Result inserted = connection_.execute_prepared("insert_draft_policy", kInsertDraft,
                                                 Params().add(channel_list).add(sql::policy_clock_seconds()));
  const int version = static_cast<int>(int64_value(inserted.get(), 0, 0));
  transaction.commit();
  return domain::DispatchPolicy{version, channels, domain::PolicyState::Draft};
}

void PostgresPolicyStore::activate_policy(int version) {
  const std::int64_t now = sql::policy_clock_seconds();
  Transaction transaction(connection_);
  connection_.execute(kLockPolicies);
  auto policy = find_policy(version);
  std::optional<domain::PolicyState> state;
  if (policy) state = policy->state;
  if (state != domain::PolicyState::Draft) throw sql::cannot_activate(version, state);
  connection_.execute_prepared("retire_active_policy", kRetireActive, Params().add(now));
  connection_.execute_prepared("activate_policy", kActivate, Params().add(now).add(version));
  transaction.commit();
}

void PostgresPolicyStore::retire_policy(int version) {
  const std::int64_t now = sql::policy_clock_seconds();
  Transaction transaction(connection_);
  connection_.execute(kLockPolicies);
  auto policy = find_policy(version);
  std::optional<domain::PolicyState> state;
  if (policy) state = policy->state;
  if (state != domain::PolicyState::Draft && state != domain::PolicyState::Active) {
    throw sql::cannot_retire(version, state);
  }
  connection_.execute_prepared("retire_policy", kRetire, Params().add(now).add(version));
  transaction.commit();
}

// ---------------------------------------------------------------------------------------------
// Dispatch

std::vector<ports::DeliveryRequest> PostgresDeliveryStore::claim_due_targets(
    const ports::DueSelection& selection,
    const std::function<ports::DispatchDecision(const ports::DueTarget&)>& decide) {
  std::vector<ports::DeliveryRequest> requests;
  if (selection.limit == 0) return requests;
  const std::string month = selection.month.to_string();
  Transaction transaction(connection_, kBeginBatch);
  Result due = connection_.execute_prepared("select_due_targets", kSelectDue,
                                            Params()
                                                .add(month)
                                                .add(selection.now)
                                                .add(selection.send_day_limit)
                                                .add(selection.local_hour)
                                                .add(clamp_limit(selection.limit))
                                                .add(selection.after_user_id));

  ArrayLiteral claimed_users, claimed_rounds, claimed_channels, claimed_versions;
  ArrayLiteral exhausted_users, exhausted_versions, exhausted_reasons;
  const PGresult* rows = due.get();
  for (int row = 0; row < PQntuples(rows); ++row) {
    ports::DueTarget target;
    target.user_id = int64_value(rows, row, 0);
    target.status = std::string(text_value(rows, row, 1));
    const bool retry = target.status == ports::target_status::kRetry;
    target.round = retry ? static_cast<int>(int64_value(rows, row, 2)) : 0;
    if (retry) target.policy_version = optional_int(rows, row, 3);
    target.reach = domain::Reachability{bool_value(rows, row, 4), bool_value(rows, row, 5)};

    const ports::DispatchDecision decision = decide(target);
    if (decision.exhausted) {
      exhausted_users.add(target.user_id);
      exhausted_versions.add(std::int64_t{decision.policy_version});
      exhausted_reasons.add_text_or_null(decision.reason);
      continue;
    }
    claimed_users.add(target.user_id);
    claimed_rounds.add(std::int64_t{decision.round});
    claimed_channels.add(domain::to_string(decision.channel));
    claimed_versions.add(std::int64_t{decision.policy_version});
    requests.push_back({selection.month, target.user_id, decision.round, decision.channel, decision.policy_version});
  }
  due.reset();

  if (claimed_users.size() > 0) {
    Result published = connection_.execute_prepared("queue_and_publish", kQueueAndPublish,
                                                    Params()
                                                        .add(month)
                                                        .add(claimed_users.text())
                                                        .add(claimed_rounds.text())
                                                        .add(claimed_channels.text())
                                                        .add(claimed_versions.text())
                                                        .add(selection.now));
    // The targets were locked by the due query, so they are all still there; this guards the rule
    // the foreign key used to enforce.
    if (const std::int64_t attempts = affected_rows(published.get());
        attempts != static_cast<std::int64_t>(claimed_users.size())) {
      connection_.fail("claim_due_targets: " + std::to_string(attempts) + " attempts for " +
                       std::to_string(claimed_users.size()) + " claimed targets of " + month);
    }
  }
  if (exhausted_users.size() > 0) {
    connection_.execute_prepared("exhaust_unreachable", kExhaustUnreachable,
                                 Params()
                                     .add(month)
                                     .add(exhausted_users.text())
                                     .add(exhausted_versions.text())
                                     .add(exhausted_reasons.text())
                                     .add(selection.now));
  }
  transaction.commit();
  return requests;
}

// ---------------------------------------------------------------------------------------------
// Delivery

std::vector<ports::AttemptClaim> PostgresDeliveryStore::claim_attempts(std::span<const ports::DeliveryRequest> requests,
                                                                       const std::string& owner, std::int64_t now) {
  if (requests.empty()) return {};
  const std::vector<std::size_t> order = in_key_order(requests, attempt_key);
  AttemptKeys keys;
  ArrayLiteral channels, expected_statuses;
  for (std::size_t index : order) {
    keys.add(requests[index]);
    channels.add(domain::to_string(requests[index].channel));
    expected_statuses.add(ports::attempt_status::kPublished);
  }

  std::vector<ports::AttemptClaim> claims(requests.size());
  for (std::size_t index = 0; index < requests.size(); ++index) {
    claims[index] = ports::AttemptClaim{requests[index], ports::AttemptClaimResult::Unknown, std::nullopt};
  }
  Transaction transaction(connection_, kBeginBatch);
  Result claimed = connection_.execute_prepared("claim_attempts", claim_attempts_sql(),
                                                Params()
                                                    .add(keys.months.text())
                                                    .add(keys.users.text())
                                                    .add(keys.rounds.text())
                                                    .add(channels.text())
                                                    .add(expected_statuses.text())
                                                    .add(owner)
                                                    .add(now));
  // A key is claimed once, however often the batch lists it: by its first copy.
  std::map<std::tuple<YearMonth, UserId, int>, int> claimed_rows;
  const PGresult* rows = claimed.get();
  for (int row = 0; row < PQntuples(rows); ++row) {
    claimed_rows.emplace(std::tuple{month_value(rows, row, 0), int64_value(rows, row, 1),
                                    static_cast<int>(int64_value(rows, row, 2))},
                         row);
  }
  AttemptKeys unclaimed;
  std::vector<std::size_t> unclaimed_indexes;
  for (std::size_t index = 0; index < requests.size(); ++index) {
    const ports::DeliveryRequest& request = requests[index];
    auto found = claimed_rows.find(attempt_key(request));
    if (found == claimed_rows.end()) {
      unclaimed.add(request);
      unclaimed_indexes.push_back(index);
      continue;
    }
    const int row = found->second;
    if (is_null(rows, row, 3)) connection_.fail("attempt " + request.attempt_id() + " has no dispatch target");
    claims[index].result = ports::AttemptClaimResult::Claimed;
    claims[index].target = read_target(rows, row, request.month, 3);
    claimed_rows.erase(found);
  }
  claimed.reset();
  transaction.commit();

  // An attempt not claimed is a duplicate when it exists on the request's channel (already
  // claimed, by a copy earlier in this batch or by any worker before) and unknown otherwise.
  if (!unclaimed_indexes.empty()) {
    Result found = connection_.execute_prepared(
        "attempt_channels", kAttemptChannels,
        Params().add(unclaimed.months.text()).add(unclaimed.users.text()).add(unclaimed.rounds.text()));
    if (PQntuples(found.get()) != static_cast<int>(unclaimed_indexes.size())) {
      connection_.fail("claim_attempts: expected one row per unclaimed request");
    }
    for (int row = 0; row < PQntuples(found.get()); ++row) {
      ports::AttemptClaim& claim = claims[unclaimed_indexes[static_cast<std::size_t>(row)]];
      if (!is_null(found.get(), row, 0) && text_value(found.get(), row, 0) == domain::to_string(claim.request.channel)) {
        claim.result = ports::AttemptClaimResult::Duplicate;
      }
    }
  }
  return claims;
}

std::size_t PostgresDeliveryStore::record_outcomes(std::span<const ports::AttemptOutcome> outcomes,
                                                   const std::string& owner) {
  for (const ports::AttemptOutcome& outcome : outcomes) sql::check_outcome(outcome);
  if (outcomes.empty()) return 0;
  Params arguments;
  for (const std::string& array : record_outcomes_arguments(outcomes, owner)) arguments.add(array);
  Transaction transaction(connection_, kBeginBatch);
  Result recorded = connection_.execute_prepared("record_outcomes", kRecordOutcomes, arguments);
  const std::int64_t count = affected_rows(recorded.get());
  recorded.reset();
  transaction.commit();
  return static_cast<std::size_t>(count);
}

std::string_view record_outcomes_statement() { return kRecordOutcomes; }

std::vector<std::string> record_outcomes_arguments(std::span<const ports::AttemptOutcome> outcomes,
                                                   const std::string& owner) {
  const std::vector<std::size_t> order =
      in_key_order(outcomes, [](const ports::AttemptOutcome& outcome) { return attempt_key(outcome.request); });
  // Each attempt once: the first of repeated outcomes (an update takes one of several matching
  // rows of its FROM list, not a chosen one).
  std::set<std::tuple<YearMonth, UserId, int>> recording;
  ArrayLiteral months, users, rounds, attempt_statuses, errors, target_statuses, next_rounds, next_attempt_times,
      finish_times, expected_statuses, expected_owners;
  for (std::size_t index : order) {
    const ports::AttemptOutcome& outcome = outcomes[index];
    if (!recording.insert(attempt_key(outcome.request)).second) continue;
    months.add(outcome.request.month.to_string());
    users.add(outcome.request.user_id);
    rounds.add(std::int64_t{outcome.request.round});
    attempt_statuses.add(outcome.attempt_status);
    errors.add_text_or_null(outcome.error);
    target_statuses.add(outcome.target_status);
    next_rounds.add(std::int64_t{outcome.next_round});
    next_attempt_times.add(outcome.next_attempt_at);
    finish_times.add(outcome.finished_at);
    expected_statuses.add(ports::attempt_status::kSending);
    expected_owners.add(owner);
  }
  // $1 to $11 of kRecordOutcomes, in order.
  return {months.text(),      users.text(),        rounds.text(),       attempt_statuses.text(),
          errors.text(),      target_statuses.text(), next_rounds.text(), next_attempt_times.text(),
          finish_times.text(), expected_statuses.text(), expected_owners.text()};
}

std::vector<ports::DeliveryRequest> PostgresDeliveryStore::waiting_attempts(std::int64_t published_before,
                                                                            std::size_t limit) {
  Result result = connection_.execute_prepared("waiting_attempts", kWaitingAttempts,
                                               Params().add(published_before).add(clamp_limit(limit)));
  std::vector<ports::DeliveryRequest> requests;
  for (int row = 0; row < PQntuples(result.get()); ++row) requests.push_back(read_request(result.get(), row));
  return requests;
}

std::vector<ports::SendingAttempt> PostgresDeliveryStore::sending_attempts(std::size_t limit) {
  Result result = connection_.execute_prepared("sending_attempts", kSendingAttempts, Params().add(clamp_limit(limit)));
  const PGresult* rows = result.get();
  std::vector<ports::SendingAttempt> attempts;
  for (int row = 0; row < PQntuples(rows); ++row) {
    ports::SendingAttempt attempt;
    attempt.request = read_request(rows, row);
    attempt.owner = optional_text(rows, row, 5).value_or("");
    attempt.started_at = is_null(rows, row, 6) ? 0 : int64_value(rows, row, 6);
    attempt.reach = domain::Reachability{bool_value(rows, row, 7), bool_value(rows, row, 8)};
    attempts.push_back(std::move(attempt));
  }
  return attempts;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::map<std::string, std::int64_t> PostgresDeliveryStore::count_targets_by_status(const YearMonth& month) {
  Result result = connection_.execute_prepared("count_targets_by_status", kCountByStatus,
                                               Params().add(month.to_string()));
  std::map<std::string, std::int64_t> counts;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    counts[std::string(text_value(result.get(), row, 0))] = int64_value(result.get(), row, 1);
  }
  return counts;
}

// Keyset pages: memory stays bounded, no transaction stays open while the visitor works, and the
// visitor may itself use this connection.
void PostgresDeliveryStore::for_each_target_summary(const YearMonth& month,
                                                    const std::function<void(const ports::TargetSummary&)>& visit) {
  const std::string month_text = month.to_string();
  UserId after = kLowestUserId;
  for (;;) {
    Result page = connection_.execute_prepared("target_summary_page", kTargetSummaryPage,
                                               Params().add(month_text).add(after).add(kPageSize));
    const PGresult* rows = page.get();
    const int count = PQntuples(rows);
    for (int row = 0; row < count; ++row) {
      ports::TargetSummary summary;
      summary.user_id = int64_value(rows, row, 0);
      summary.status = std::string(text_value(rows, row, 1));
      summary.round = static_cast<int>(int64_value(rows, row, 2));
      if (!is_null(rows, row, 3)) summary.channel = sql::stored_channel(text_value(rows, row, 3));
      summary.attempts = static_cast<int>(int64_value(rows, row, 4));
      summary.last_error = std::string(text_value(rows, row, 5));
      after = summary.user_id;
      visit(summary);
    }
    if (count < kPageSize) return;
  }
}

std::vector<ports::DeliveryStore::AttemptRecord> PostgresDeliveryStore::attempts_of(const YearMonth& month,
                                                                                   UserId user_id) {
  Result result = connection_.execute_prepared("attempts_of", kAttemptsOf,
                                               Params().add(month.to_string()).add(user_id));
  const PGresult* rows = result.get();
  std::vector<AttemptRecord> records;
  for (int row = 0; row < PQntuples(rows); ++row) {
    records.push_back(AttemptRecord{static_cast<int>(int64_value(rows, row, 0)),
                                    sql::stored_channel(text_value(rows, row, 1)),
                                    std::string(text_value(rows, row, 2)), std::string(text_value(rows, row, 3)),
                                    optional_text(rows, row, 4)});
  }
  return records;
}

}  // namespace tr1l::adapters::postgres
