#include "adapters/sqlite/sqlite_delivery_store.h"

#include <limits>

#include "adapters/sql/delivery_rows.h"
#include "adapters/sqlite/sqlite_target_row.h"

namespace tr1l::adapters::sqlite {
namespace {

using domain::YearMonth;
using ports::DatabaseError;
using ports::UserId;

std::int64_t clamp_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// Empty text is stored as NULL: "no error".
Statement& bind_text_or_null(Statement& statement, int index, const std::string& text) {
  return text.empty() ? statement.bind_null(index) : statement.bind(index, text);
}

YearMonth month_column(const Statement& statement, int column) {
  auto month = YearMonth::parse(statement.text(column));
  if (!month) throw DatabaseError("stored month '" + statement.text(column) + "' is malformed");
  return *month;
}

// ---------------------------------------------------------------------------------------------
// Policies

constexpr std::string_view kPolicyColumns = "SELECT version, channels, state FROM dispatch_policy";

domain::DispatchPolicy read_policy(const Statement& select) {
  return sql::stored_policy(select.integer(0), select.text(1), select.text(2));
}

std::optional<domain::DispatchPolicy> first_policy(Statement& select) {
  if (!select.step()) return std::nullopt;
  domain::DispatchPolicy policy = read_policy(select);
  select.reset();
  return policy;
}

std::optional<domain::PolicyState> state_of(Connection& connection, int version) {
  Statement select(connection, std::string(kPolicyColumns) + " WHERE version = ?");
  select.bind(1, version);
  auto policy = first_policy(select);
  if (!policy) return std::nullopt;
  return policy->state;
}

// ---------------------------------------------------------------------------------------------
// Dispatch and delivery

// Due: READY, or RETRY whose time has come; the send day (1 when unset) has come; and not inside
// the target's quiet hours [quiet_from, quiet_to), a window that crosses midnight when
// quiet_from > quiet_to (domain::is_quiet is the reference; equal ends are never quiet).
//
// The inner query finds the batch in the dispatch_target_due index alone: every column it reads
// is in the index, so the rows it passes over (send day not yet come, quiet now) cost no table
// lookup, and each call passes over all such rows before the first due one. Its status IN (...)
// term is the index's predicate, which lets SQLite use the index; INDEXED BY pins it because
// without statistics SQLite prefers the primary key, which would also re-read every target
// claimed earlier. The outer query reads the batch's rows by primary key.
constexpr std::string_view kSelectDue = R"sql(
SELECT t.user_id, t.status, t.round, t.policy_version,
       t.email_ciphertext IS NOT NULL AND t.email_key IS NOT NULL,
       t.phone_ciphertext IS NOT NULL AND t.sms_key IS NOT NULL
FROM (SELECT user_id
      FROM dispatch_target INDEXED BY dispatch_target_due
      WHERE month = ?1
        AND user_id > ?6
        AND status IN ('READY', 'RETRY')
        AND (status = 'READY' OR next_attempt_at <= ?2)
        AND coalesce(send_day, 1) <= ?3
        AND NOT (quiet_from IS NOT NULL AND quiet_to IS NOT NULL
                 AND ((quiet_from < quiet_to AND ?4 >= quiet_from AND ?4 < quiet_to)
                   OR (quiet_from > quiet_to AND (?4 >= quiet_from OR ?4 < quiet_to))))
      ORDER BY user_id
      LIMIT ?5) AS due
JOIN dispatch_target AS t ON t.month = ?1 AND t.user_id = due.user_id
ORDER BY t.user_id)sql";

// updated_at keeps the invoice job's text format, from the caller's clock.
constexpr std::string_view kQueueTarget = R"sql(
UPDATE dispatch_target
SET status = 'QUEUED', round = ?1, channel = ?2, policy_version = ?3, attempts = attempts + 1,
    next_attempt_at = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?4, 'unixepoch')
WHERE month = ?5 AND user_id = ?6)sql";

constexpr std::string_view kPublishAttempt = R"sql(
INSERT INTO delivery_attempt (month, user_id, round, channel, policy_version, status, published_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'PUBLISHED', ?6))sql";

constexpr std::string_view kExhaustUnreachable = R"sql(
UPDATE dispatch_target
SET status = 'EXHAUSTED', policy_version = ?1, last_error = ?2, next_attempt_at = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?3, 'unixepoch')
WHERE month = ?4 AND user_id = ?5)sql";

constexpr std::string_view kClaimAttempt = R"sql(
UPDATE delivery_attempt
SET status = 'SENDING', owner = ?1, started_at = ?2
WHERE month = ?3 AND user_id = ?4 AND round = ?5 AND channel = ?6 AND status = 'PUBLISHED')sql";

constexpr std::string_view kAttemptChannel = R"sql(
SELECT channel FROM delivery_attempt WHERE month = ?1 AND user_id = ?2 AND round = ?3)sql";

// The fence of every outcome: only the worker that holds the attempt in SENDING may end it.
constexpr std::string_view kFinishAttempt = R"sql(
UPDATE delivery_attempt
SET status = ?1, error = ?2, finished_at = ?3
WHERE month = ?4 AND user_id = ?5 AND round = ?6 AND status = 'SENDING' AND owner = ?7)sql";

// A sent target keeps the error of an earlier failed round: the export then shows why it took
// more than one channel.
constexpr std::string_view kTargetSent = R"sql(
UPDATE dispatch_target
SET status = 'SENT', sent_at = ?1, next_attempt_at = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?1, 'unixepoch')
WHERE month = ?2 AND user_id = ?3)sql";

constexpr std::string_view kTargetRetry = R"sql(
UPDATE dispatch_target
SET status = 'RETRY', round = ?1, next_attempt_at = ?2, last_error = ?3,
    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?4, 'unixepoch')
WHERE month = ?5 AND user_id = ?6)sql";

constexpr std::string_view kTargetExhausted = R"sql(
UPDATE dispatch_target
SET status = 'EXHAUSTED', next_attempt_at = NULL, last_error = ?1,
    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch')
WHERE month = ?3 AND user_id = ?4)sql";

constexpr std::string_view kWaitingAttempts = R"sql(
SELECT month, user_id, round, channel, policy_version
FROM delivery_attempt
WHERE status = 'PUBLISHED' AND published_at <= ?1
ORDER BY published_at, month, user_id, round
LIMIT ?2)sql";

constexpr std::string_view kSendingAttempts = R"sql(
SELECT a.month, a.user_id, a.round, a.channel, a.policy_version, a.owner, a.started_at,
       t.email_ciphertext IS NOT NULL AND t.email_key IS NOT NULL,
       t.phone_ciphertext IS NOT NULL AND t.sms_key IS NOT NULL
FROM delivery_attempt AS a
JOIN dispatch_target AS t ON t.month = a.month AND t.user_id = a.user_id
WHERE a.status = 'SENDING'
ORDER BY a.started_at, a.month, a.user_id, a.round
LIMIT ?1)sql";

constexpr std::string_view kCountByStatus = R"sql(
SELECT status, count(*) FROM dispatch_target WHERE month = ?1 GROUP BY status)sql";

// A FAILED target never reached dispatch; its invoice error is the one to show.
constexpr std::string_view kTargetSummaries = R"sql(
SELECT user_id, status, round, channel, attempts, coalesce(last_error, error, '')
FROM dispatch_target
WHERE month = ?1
ORDER BY user_id)sql";

constexpr std::string_view kAttemptsOf = R"sql(
SELECT round, channel, status, coalesce(error, ''), owner
FROM delivery_attempt
WHERE month = ?1 AND user_id = ?2
ORDER BY round)sql";

ports::DeliveryRequest read_request(const Statement& select) {
  ports::DeliveryRequest request;
  request.month = month_column(select, 0);
  request.user_id = select.integer(1);
  request.round = static_cast<int>(select.integer(2));
  request.channel = sql::stored_channel(select.text(3));
  request.policy_version = static_cast<int>(select.integer(4));
  return request;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<domain::DispatchPolicy> SqlitePolicyStore::list_policies() {
  Statement select(connection_, std::string(kPolicyColumns) + " ORDER BY version");
  std::vector<domain::DispatchPolicy> policies;
  while (select.step()) policies.push_back(read_policy(select));
  return policies;
}

std::optional<domain::DispatchPolicy> SqlitePolicyStore::find_policy(int version) {
  Statement select(connection_, std::string(kPolicyColumns) + " WHERE version = ?");
  select.bind(1, version);
  return first_policy(select);
}

std::optional<domain::DispatchPolicy> SqlitePolicyStore::active_policy() {
  Statement select(connection_, std::string(kPolicyColumns) + " WHERE state = 'ACTIVE'");
  return first_policy(select);
}

domain::DispatchPolicy SqlitePolicyStore::ensure_active_policy(const std::vector<domain::Channel>& channels) {
  const std::string channel_list = sql::channel_list_to_store(channels);
  const std::int64_t now = sql::policy_clock_seconds();
  Transaction transaction(connection_);
  Statement insert(connection_,
                   "INSERT INTO dispatch_policy (version, channels, state, created_at, activated_at) "
                   "SELECT 1, ?1, 'ACTIVE', ?2, ?2 WHERE NOT EXISTS (SELECT 1 FROM dispatch_policy)");
  insert.bind(1, channel_list).bind(2, now).run();
  auto active = active_policy();
  if (!active) throw sql::no_active_policy(list_policies());
  transaction.commit();
  return *active;
}

domain::DispatchPolicy SqlitePolicyStore::create_policy(const std::vector<domain::Channel>& channels) {
  const std::string channel_list = sql::channel_list_to_store(channels);
  Transaction transaction(connection_);
  Statement insert(connection_,
                   "INSERT INTO dispatch_policy (version, channels, state, created_at) "
                   "SELECT coalesce(max(version), 0) + 1, ?1, 'DRAFT', ?2 FROM dispatch_policy RETURNING version");
  insert.bind(1, channel_list).bind(2, sql::policy_clock_seconds());
  if (!insert.step()) connection_.fail("creating a dispatch policy");
  const int version = static_cast<int>(insert.integer(0));
  insert.reset();
  transaction.commit();
  return domain::DispatchPolicy{version, channels, domain::PolicyState::Draft};
}

// The ACTIVE one is retired first: the unique index would refuse a second ACTIVE row even for a
// moment.
void SqlitePolicyStore::activate_policy(int version) {
  const std::int64_t now = sql::policy_clock_seconds();
  Transaction transaction(connection_);
  auto state = state_of(connection_, version);
  if (state != domain::PolicyState::Draft) throw sql::cannot_activate(version, state);
  Statement retire(connection_, "UPDATE dispatch_policy SET state = 'RETIRED', retired_at = ?1 WHERE state = 'ACTIVE'");
  retire.bind(1, now).run();
  Statement activate(connection_, "UPDATE dispatch_policy SET state = 'ACTIVE', activated_at = ?1 WHERE version = ?2");
  activate.bind(1, now).bind(2, version).run();
  transaction.commit();
}

void SqlitePolicyStore::retire_policy(int version) {
  const std::int64_t now = sql::policy_clock_seconds();
  Transaction transaction(connection_);
  auto state = state_of(connection_, version);
  if (state != domain::PolicyState::Draft && state != domain::PolicyState::Active) {
    throw sql::cannot_retire(version, state);
  }
  Statement retire(connection_, "UPDATE dispatch_policy SET state = 'RETIRED', retired_at = ?1 WHERE version = ?2");
  retire.bind(1, now).bind(2, version).run();
  transaction.commit();
}

// ---------------------------------------------------------------------------------------------

struct SqliteDeliveryStore::Statements {
  explicit Statements(Connection& connection)
      : select_due(connection, kSelectDue),
        queue_target(connection, kQueueTarget),
        publish_attempt(connection, kPublishAttempt),
        exhaust_unreachable(connection, kExhaustUnreachable),
        claim_attempt(connection, kClaimAttempt),
        attempt_channel(connection, kAttemptChannel),
        find_target(connection,
                    "SELECT " + std::string(kTargetColumns) + " FROM dispatch_target WHERE month = ?1 AND user_id = ?2"),
        finish_attempt(connection, kFinishAttempt),
        target_sent(connection, kTargetSent),
        target_retry(connection, kTargetRetry),
        target_exhausted(connection, kTargetExhausted) {}

  Statement select_due;
  Statement queue_target;
  Statement publish_attempt;
  Statement exhaust_unreachable;
  Statement claim_attempt;
  Statement attempt_channel;
  Statement find_target;
  Statement finish_attempt;
  Statement target_sent;
  Statement target_retry;
  Statement target_exhausted;
};

SqliteDeliveryStore::SqliteDeliveryStore(Connection& connection)
    : connection_(connection), statements_(std::make_unique<Statements>(connection)) {}

SqliteDeliveryStore::~SqliteDeliveryStore() = default;

std::vector<ports::DeliveryRequest> SqliteDeliveryStore::claim_due_targets(
    const ports::DueSelection& selection,
    const std::function<ports::DispatchDecision(const ports::DueTarget&)>& decide) {
  std::vector<ports::DeliveryRequest> requests;
  if (selection.limit == 0) return requests;
  const std::string month = selection.month.to_string();
  Transaction transaction(connection_);

  // Read the whole batch before writing: the updates take rows out of the index being walked.
  std::vector<ports::DueTarget> due;
  Statement& select = statements_->select_due;
  select.bind(1, month)
      .bind(2, selection.now)
      .bind(3, selection.send_day_limit)
      .bind(4, selection.local_hour)
      .bind(5, clamp_limit(selection.limit))
      .bind(6, selection.after_user_id);
  while (select.step()) {
    ports::DueTarget target;
    target.user_id = select.integer(0);
    target.status = select.text(1);
    const bool retry = target.status == ports::target_status::kRetry;
    target.round = retry ? static_cast<int>(select.integer(2)) : 0;
    if (retry) target.policy_version = optional_small(select, 3);
    target.reach = domain::Reachability{select.integer(4) != 0, select.integer(5) != 0};
    due.push_back(std::move(target));
  }

  for (const ports::DueTarget& target : due) {
    const ports::DispatchDecision decision = decide(target);
    if (decision.exhausted) {
      statements_->exhaust_unreachable.bind(1, decision.policy_version);
      bind_text_or_null(statements_->exhaust_unreachable, 2, decision.reason)
          .bind(3, selection.now)
          .bind(4, month)
          .bind(5, target.user_id)
          .run();
      continue;
    }
    const std::string_view channel = domain::to_string(decision.channel);
    statements_->queue_target.bind(1, decision.round)
        .bind(2, channel)
        .bind(3, decision.policy_version)
        .bind(4, selection.now)
        .bind(5, month)
        .bind(6, target.user_id)
        .run();
    // A round that was already attempted fails here on the primary key and rolls the batch back:
    // the attempt row is what guarantees a round is sent at most once.
    statements_->publish_attempt.bind(1, month)
        .bind(2, target.user_id)
        .bind(3, decision.round)
        .bind(4, channel)
        .bind(5, decision.policy_version)
        .bind(6, selection.now)
        .run();
    requests.push_back({selection.month, target.user_id, decision.round, decision.channel, decision.policy_version});
  }
  transaction.commit();
  return requests;
}

std::vector<ports::AttemptClaim> SqliteDeliveryStore::claim_attempts(std::span<const ports::DeliveryRequest> requests,
                                                                     const std::string& owner, std::int64_t now) {
  std::vector<ports::AttemptClaim> claims;
  claims.reserve(requests.size());
  if (requests.empty()) return claims;
  Transaction transaction(connection_);
  for (const ports::DeliveryRequest& request : requests) {
    const std::string month = request.month.to_string();
    const std::string_view channel = domain::to_string(request.channel);
    ports::AttemptClaim claim{request, ports::AttemptClaimResult::Unknown, std::nullopt};
    statements_->claim_attempt.bind(1, owner)
        .bind(2, now)
        .bind(3, month)
        .bind(4, request.user_id)
        .bind(5, request.round)
        .bind(6, channel)
        .run();
    if (sqlite3_changes(connection_.handle()) == 1) {
      claim.result = ports::AttemptClaimResult::Claimed;
      Statement& find = statements_->find_target;
      find.bind(1, month).bind(2, request.user_id);
      if (!find.step()) connection_.fail("attempt " + request.attempt_id() + " has no dispatch target");
      claim.target = read_target(find, request.month);
      find.reset();
    } else {
      Statement& existing = statements_->attempt_channel;
      existing.bind(1, month).bind(2, request.user_id).bind(3, request.round);
      if (existing.step() && existing.text(0) == channel) claim.result = ports::AttemptClaimResult::Duplicate;
      existing.reset();
    }
    claims.push_back(std::move(claim));
  }
  transaction.commit();
  return claims;
}

std::size_t SqliteDeliveryStore::record_outcomes(std::span<const ports::AttemptOutcome> outcomes,
                                                 const std::string& owner) {
  for (const ports::AttemptOutcome& outcome : outcomes) sql::check_outcome(outcome);
  if (outcomes.empty()) return 0;
  std::size_t recorded = 0;
  Transaction transaction(connection_);
  for (const ports::AttemptOutcome& outcome : outcomes) {
    const ports::DeliveryRequest& request = outcome.request;
    const std::string month = request.month.to_string();
    Statement& finish = statements_->finish_attempt;
    finish.bind(1, outcome.attempt_status);
    bind_text_or_null(finish, 2, outcome.error)
        .bind(3, outcome.finished_at)
        .bind(4, month)
        .bind(5, request.user_id)
        .bind(6, request.round)
        .bind(7, owner)
        .run();
    if (sqlite3_changes(connection_.handle()) != 1) continue;  // judged already: by the sweeper, or twice

    if (outcome.target_status == ports::target_status::kSent) {
      statements_->target_sent.bind(1, outcome.finished_at).bind(2, month).bind(3, request.user_id).run();
    } else if (outcome.target_status == ports::target_status::kRetry) {
      statements_->target_retry.bind(1, outcome.next_round).bind(2, outcome.next_attempt_at);
      bind_text_or_null(statements_->target_retry, 3, outcome.error)
          .bind(4, outcome.finished_at)
          .bind(5, month)
          .bind(6, request.user_id)
          .run();
    } else {
      bind_text_or_null(statements_->target_exhausted, 1, outcome.error)
          .bind(2, outcome.finished_at)
          .bind(3, month)
          .bind(4, request.user_id)
          .run();
    }
    ++recorded;
  }
  transaction.commit();
  return recorded;
}

std::vector<ports::DeliveryRequest> SqliteDeliveryStore::waiting_attempts(std::int64_t published_before,
                                                                          std::size_t limit) {
  Statement select(connection_, kWaitingAttempts);
  select.bind(1, published_before).bind(2, clamp_limit(limit));
  std::vector<ports::DeliveryRequest> requests;
  while (select.step()) requests.push_back(read_request(select));
  return requests;
}

std::vector<ports::SendingAttempt> SqliteDeliveryStore::sending_attempts(std::size_t limit) {
  Statement select(connection_, kSendingAttempts);
  select.bind(1, clamp_limit(limit));
  std::vector<ports::SendingAttempt> attempts;
  while (select.step()) {
    ports::SendingAttempt attempt;
    attempt.request = read_request(select);
    attempt.owner = select.optional_text(5).value_or("");
    attempt.started_at = select.optional_integer(6).value_or(0);
    attempt.reach = domain::Reachability{select.integer(7) != 0, select.integer(8) != 0};
    attempts.push_back(std::move(attempt));
  }
  return attempts;
}

std::map<std::string, std::int64_t> SqliteDeliveryStore::count_targets_by_status(const YearMonth& month) {
  Statement select(connection_, kCountByStatus);
  select.bind(1, month.to_string());
  std::map<std::string, std::int64_t> counts;
  while (select.step()) counts[select.text(0)] = select.integer(1);
  return counts;
}

void SqliteDeliveryStore::for_each_target_summary(const YearMonth& month,
                                                  const std::function<void(const ports::TargetSummary&)>& visit) {
  Statement select(connection_, kTargetSummaries);
  select.bind(1, month.to_string());
  while (select.step()) {
    ports::TargetSummary summary;
    summary.user_id = select.integer(0);
    summary.status = select.text(1);
    summary.round = static_cast<int>(select.integer(2));
    if (!select.is_null(3)) summary.channel = sql::stored_channel(select.text(3));
    summary.attempts = static_cast<int>(select.integer(4));
    summary.last_error = select.text(5);
    visit(summary);
  }
}

std::vector<ports::DeliveryStore::AttemptRecord> SqliteDeliveryStore::attempts_of(const YearMonth& month,
                                                                                 UserId user_id) {
  Statement select(connection_, kAttemptsOf);
  select.bind(1, month.to_string()).bind(2, user_id);
  std::vector<AttemptRecord> records;
  while (select.step()) {
    records.push_back(AttemptRecord{static_cast<int>(select.integer(0)), sql::stored_channel(select.text(1)),
                                    select.text(2), select.text(3), select.optional_text(4)});
  }
  return records;
}

}  // namespace tr1l::adapters::sqlite
