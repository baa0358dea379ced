// The dispatch and delivery part of the backend conformance suite (database_conformance.h):
// PolicyStore and DeliveryStore on real tables. The dispatcher's due query is checked against
// the schedule rule it implements (domain::is_due) hour by hour.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <set>
#include <stdexcept>

#include "ports/delivery_store.h"
#include "ports/dispatch_targets.h"
#include "support/database_conformance.h"

namespace tr1l::conformance {
namespace {

using domain::Channel;
using domain::Date;
using domain::DispatchPolicy;
using domain::PolicyState;
using domain::YearMonth;
using ports::AttemptClaimResult;
using ports::AttemptOutcome;
using ports::DeliveryRequest;
using ports::DispatchDecision;
using ports::DispatchTarget;
using ports::DueSelection;
using ports::DueTarget;
using ports::StoredObjectReference;
using ports::UserId;

const YearMonth kOctober{2026, 10};
const YearMonth kSeptember{2026, 9};
const YearMonth kJanuary{2027, 1};
// 2026-11-10 09:00 UTC: only RETRY times and the recorded times depend on it.
constexpr std::int64_t kNow = 1'794'301'200;

// A READY target reachable on both channels, with the schedule the test chooses.
DispatchTarget target(UserId user_id, std::optional<int> send_day = std::nullopt,
                      std::optional<int> quiet_from = std::nullopt, std::optional<int> quiet_to = std::nullopt,
                      const YearMonth& month = kOctober) {
  DispatchTarget stored;
  stored.month = month;
  stored.user_id = user_id;
  stored.email_ciphertext = "email-" + std::to_string(user_id);
  stored.phone_ciphertext = "phone-" + std::to_string(user_id);
  stored.email_object = StoredObjectReference{"invoices", month.to_string() + "/" + std::to_string(user_id) + "/email",
                                              2048, std::string(64, 'e')};
  stored.sms_object = StoredObjectReference{"invoices", month.to_string() + "/" + std::to_string(user_id) + "/sms", 90,
                                            std::string(64, 's')};
  stored.send_day = send_day;
  stored.quiet_from = quiet_from;
  stored.quiet_to = quiet_to;
  return stored;
}

void store(ports::Database& database, std::vector<DispatchTarget> targets) {
  database.targets().store_targets(targets);
}

// Everything is due: the delivery month is over (send day limit 31) and no quiet hours apply.
DueSelection everything_due(std::int64_t now = kNow, std::size_t limit = 1000, const YearMonth& month = kOctober) {
  return DueSelection{month, now, 31, 12, limit};
}

DispatchPolicy default_policy() { return DispatchPolicy{1, domain::default_channel_order(), PolicyState::Active}; }

// What the dispatcher will decide: the first round at or after the target's whose channel can
// reach it, under `policy`.
std::function<DispatchDecision(const DueTarget&)> by_policy(const DispatchPolicy& policy = default_policy()) {
  return [policy](const DueTarget& due) {
    DispatchDecision decision;
    decision.policy_version = policy.version;
    auto round = domain::next_round(policy.channels, due.round, due.reach);
    if (!round) {
      decision.exhausted = true;
      decision.reason = "no reachable channel left";
      return decision;
    }
    decision.round = *round;
    decision.channel = policy.channels[static_cast<std::size_t>(*round)];
    return decision;
  };
}

std::vector<UserId> users_of(const std::vector<DeliveryRequest>& requests) {
  std::vector<UserId> users;
  for (const auto& request : requests) users.push_back(request.user_id);
  return users;
}

std::string status_of(ports::Database& database, UserId user_id, const YearMonth& month = kOctober) {
  auto found = database.targets().find_target(month, user_id);
  return found ? found->status : "<none>";
}

std::vector<ports::TargetSummary> summaries(ports::Database& database, const YearMonth& month = kOctober) {
  std::vector<ports::TargetSummary> lines;
  database.deliveries().for_each_target_summary(month,
                                                [&lines](const ports::TargetSummary& line) { lines.push_back(line); });
  return lines;
}

ports::TargetSummary summary_of(ports::Database& database, UserId user_id) {
  for (const auto& line : summaries(database)) {
    if (line.user_id == user_id) return line;
  }
  throw std::runtime_error("no summary for user " + std::to_string(user_id));
}

AttemptOutcome sent(const DeliveryRequest& request, std::int64_t at) {
  AttemptOutcome outcome;
  outcome.request = request;
  outcome.finished_at = at;
  return outcome;
}

AttemptOutcome failed_then_retry(const DeliveryRequest& request, std::string error, int next_round,
                                 std::int64_t next_attempt_at, std::int64_t at) {
  AttemptOutcome outcome;
  outcome.request = request;
  outcome.attempt_status = std::string(ports::attempt_status::kFailed);
  outcome.error = std::move(error);
  outcome.target_status = std::string(ports::target_status::kRetry);
  outcome.next_round = next_round;
  outcome.next_attempt_at = next_attempt_at;
  outcome.finished_at = at;
  return outcome;
}

AttemptOutcome failed_then_exhausted(const DeliveryRequest& request, std::string error, std::int64_t at) {
  AttemptOutcome outcome;
  outcome.request = request;
  outcome.attempt_status = std::string(ports::attempt_status::kFailed);
  outcome.error = std::move(error);
  outcome.target_status = std::string(ports::target_status::kExhausted);
  outcome.finished_at = at;
  return outcome;
}

// Claims the target's next round and hands it to `worker`; returns the request.
DeliveryRequest dispatch_and_claim(ports::Database& database, UserId user_id, std::int64_t now,
                                   const std::string& worker = "worker-a") {
  auto requests = database.deliveries().claim_due_targets(everything_due(now), by_policy());
  for (const auto& request : requests) {
    if (request.user_id != user_id) continue;
    std::vector<DeliveryRequest> one = {request};
    auto claims = database.deliveries().claim_attempts(one, worker, now);
    if (claims.at(0).result != AttemptClaimResult::Claimed) throw std::runtime_error("could not claim the attempt");
    return request;
  }
  throw std::runtime_error("user " + std::to_string(user_id) + " was not due");
}

// Thrown by a decide() to roll a claim back after seeing every selected target.
struct RollBack {};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Dispatch policies

TEST_P(DatabaseConformance, PolicyLifecycleKeepsOneActivePolicy) {
  auto& policies = database().policies();
  EXPECT_TRUE(policies.list_policies().empty());
  EXPECT_FALSE(policies.active_policy().has_value());

  const DispatchPolicy first = policies.ensure_active_policy(domain::default_channel_order());
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.state, PolicyState::Active);
  EXPECT_EQ(first.channels, domain::default_channel_order());
  // Once a policy exists the channels passed in are only the default for an empty table.
  const DispatchPolicy again = policies.ensure_active_policy({Channel::Kakao});
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(again.channels, domain::default_channel_order());

  const DispatchPolicy draft = policies.create_policy({Channel::Sms, Channel::Email});
  EXPECT_EQ(draft.version, 2);
  EXPECT_EQ(draft.state, PolicyState::Draft);
  auto found = policies.find_policy(2);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->channels, (std::vector<Channel>{Channel::Sms, Channel::Email}));
  EXPECT_EQ(found->state, PolicyState::Draft);
  EXPECT_FALSE(policies.find_policy(3).has_value());
  EXPECT_EQ(policies.active_policy()->version, 1);

  policies.activate_policy(2);
  EXPECT_EQ(policies.active_policy()->version, 2);
  EXPECT_EQ(policies.find_policy(1)->state, PolicyState::Retired);
  EXPECT_EQ(policies.ensure_active_policy(domain::default_channel_order()).version, 2);

  const DispatchPolicy third = policies.create_policy({Channel::Kakao});
  EXPECT_EQ(third.version, 3);
  policies.retire_policy(3);  // a draft may be retired without ever being active
  EXPECT_EQ(policies.find_policy(3)->state, PolicyState::Retired);
  EXPECT_EQ(policies.active_policy()->version, 2);

  const auto listed = policies.list_policies();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].version, 1);
  EXPECT_EQ(listed[0].state, PolicyState::Retired);
  EXPECT_EQ(listed[1].version, 2);
  EXPECT_EQ(listed[1].state, PolicyState::Active);
  EXPECT_EQ(listed[2].version, 3);
  EXPECT_EQ(listed[2].channels, (std::vector<Channel>{Channel::Kakao}));

  // Retiring the ACTIVE policy with nothing to replace it stops dispatch; ensure_active_policy
  // then refuses to invent a policy the operator did not choose.
  policies.retire_policy(2);
  EXPECT_FALSE(policies.active_policy().has_value());
  try {
    policies.ensure_active_policy(domain::default_channel_order());
    ADD_FAILURE() << "expected PolicyConflict";
  } catch (const ports::PolicyConflict& conflict) {
    EXPECT_NE(std::string(conflict.what()).find("no dispatch policy is ACTIVE"), std::string::npos) << conflict.what();
    EXPECT_NE(std::string(conflict.what()).find("version 3"), std::string::npos) << conflict.what();
  }
  const DispatchPolicy fourth = policies.create_policy({Channel::Email});
  policies.activate_policy(fourth.version);
  EXPECT_EQ(policies.active_policy()->version, 4);
}

TEST_P(DatabaseConformance, PolicyChangesThatBreakTheRulesAreRefusedByName) {
  auto& policies = database().policies();
  policies.ensure_active_policy(domain::default_channel_order());  // version 1, ACTIVE
  policies.create_policy({Channel::Sms});                          // version 2, DRAFT
  policies.activate_policy(2);                                     // 1 RETIRED, 2 ACTIVE

  auto expect_conflict = [](const std::function<void()>& change, const std::string& version, const std::string& state) {
    try {
      change();
      ADD_FAILURE() << "expected PolicyConflict naming " << version << " " << state;
    } catch (const ports::PolicyConflict& conflict) {
      const std::string message = conflict.what();
      EXPECT_NE(message.find(version), std::string::npos) << message;
      EXPECT_NE(message.find(state), std::string::npos) << message;
    }
  };
  expect_conflict([&] { policies.activate_policy(2); }, "version 2", "ACTIVE");
  expect_conflict([&] { policies.activate_policy(1); }, "version 1", "RETIRED");
  expect_conflict([&] { policies.activate_policy(9); }, "version 9", "does not exist");
  expect_conflict([&] { policies.retire_policy(1); }, "version 1", "RETIRED");
  expect_conflict([&] { policies.retire_policy(9); }, "version 9", "does not exist");
  EXPECT_EQ(policies.active_policy()->version, 2);
  EXPECT_EQ(policies.find_policy(1)->state, PolicyState::Retired);

  EXPECT_THROW(policies.create_policy({}), domain::PolicyError);
  EXPECT_THROW(policies.create_policy({Channel::Email, Channel::Sms, Channel::Email}), domain::PolicyError);
  EXPECT_EQ(policies.list_policies().size(), 2u);
}

TEST_P(DatabaseConformance, TheDatabaseItselfRefusesASecondActivePolicy) {
  if (!GetParam().execute_sql) GTEST_SKIP() << "the backend provides no execute_sql hook";
  database().policies().ensure_active_policy(domain::default_channel_order());
  EXPECT_ANY_THROW(GetParam().execute_sql(
      database(), "INSERT INTO dispatch_policy (version, channels, state, created_at) VALUES (7, 'SMS', 'ACTIVE', 0)"));
  GetParam().execute_sql(database(),
                         "INSERT INTO dispatch_policy (version, channels, state, created_at) VALUES (7, 'SMS', 'DRAFT', 0)");
  EXPECT_ANY_THROW(GetParam().execute_sql(database(), "UPDATE dispatch_policy SET state = 'ACTIVE' WHERE version = 7"));
  EXPECT_ANY_THROW(GetParam().execute_sql(database(), "UPDATE dispatch_policy SET state = 'LIVE' WHERE version = 7"));
  EXPECT_EQ(database().policies().active_policy()->version, 1);
  EXPECT_EQ(database().policies().find_policy(7)->state, PolicyState::Draft);
}

// ---------------------------------------------------------------------------------------------
// Dispatcher: which targets are due, and what a claim stores

TEST_P(DatabaseConformance, ClaimsReadyTargetsOfTheMonthInUserOrderUpToTheLimit) {
  std::vector<DispatchTarget> targets;
  for (UserId id : {5, 1, 9, 3, 7, 2}) targets.push_back(target(id));
  DispatchTarget failed = target(4);
  failed.status = std::string(ports::target_status::kFailed);
  failed.error = "cannot render";
  targets.push_back(failed);
  targets.push_back(target(6, std::nullopt, std::nullopt, std::nullopt, kSeptember));
  store(database(), targets);

  auto& deliveries = database().deliveries();
  std::vector<DueTarget> seen;
  auto recording = [&seen](const DueTarget& due) {
    seen.push_back(due);
    return by_policy()(due);
  };
  const auto first = deliveries.claim_due_targets(everything_due(kNow, 4), recording);
  EXPECT_EQ(users_of(first), (std::vector<UserId>{1, 2, 3, 5}));
  ASSERT_EQ(seen.size(), 4u);
  for (const DueTarget& due : seen) {
    EXPECT_EQ(due.status, "READY");
    EXPECT_EQ(due.round, 0);
    EXPECT_FALSE(due.policy_version.has_value());
    EXPECT_TRUE(due.reach.email);
    EXPECT_TRUE(due.reach.phone);
  }
  for (const DeliveryRequest& request : first) {
    EXPECT_EQ(request.month, kOctober);
    EXPECT_EQ(request.round, 0);
    EXPECT_EQ(request.channel, Channel::Email);
    EXPECT_EQ(request.policy_version, 1);
  }
  EXPECT_EQ(first[0].attempt_id(), "2026-10/1/0");

  EXPECT_EQ(users_of(deliveries.claim_due_targets(everything_due(), by_policy())), (std::vector<UserId>{7, 9}));
  EXPECT_TRUE(deliveries.claim_due_targets(everything_due(), by_policy()).empty());
  EXPECT_TRUE(deliveries.claim_due_targets(everything_due(kNow, 0), by_policy()).empty());

  EXPECT_EQ(status_of(database(), 1), "QUEUED");
  EXPECT_EQ(status_of(database(), 4), "FAILED");
  EXPECT_EQ(status_of(database(), 6, kSeptember), "READY");
  EXPECT_EQ(deliveries.count_targets_by_status(kOctober),
            (std::map<std::string, std::int64_t>{{"FAILED", 1}, {"QUEUED", 6}}));
  EXPECT_EQ(deliveries.count_targets_by_status(kSeptember), (std::map<std::string, std::int64_t>{{"READY", 1}}));

  const auto attempts = deliveries.attempts_of(kOctober, 1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].round, 0);
  EXPECT_EQ(attempts[0].channel, Channel::Email);
  EXPECT_EQ(attempts[0].status, "PUBLISHED");
  EXPECT_EQ(attempts[0].error, "");
  EXPECT_FALSE(attempts[0].owner.has_value());
  EXPECT_TRUE(deliveries.attempts_of(kOctober, 4).empty());

  const ports::TargetSummary line = summary_of(database(), 1);
  EXPECT_EQ(line.status, "QUEUED");
  EXPECT_EQ(line.round, 0);
  EXPECT_EQ(line.channel, Channel::Email);
  EXPECT_EQ(line.attempts, 1);
}

TEST_P(DatabaseConformance, ClaimsOnlyTargetsAfterTheCursor) {
  std::vector<DispatchTarget> targets;
  for (UserId id : {1, 2, 3, 4, 5}) targets.push_back(target(id));
  store(database(), targets);
  auto& deliveries = database().deliveries();

  DueSelection after_three = everything_due();
  after_three.after_user_id = 3;
  EXPECT_EQ(users_of(deliveries.claim_due_targets(after_three, by_policy())), (std::vector<UserId>{4, 5}));
  // The cursor only narrows one claim: targets before it stay READY for the next run.
  EXPECT_EQ(status_of(database(), 3), "READY");
  EXPECT_EQ(users_of(deliveries.claim_due_targets(everything_due(), by_policy())), (std::vector<UserId>{1, 2, 3}));
}

// The due query against domain::is_due for every hour of several days, send days that fall on
// short months' ends, and quiet windows inside a day, crossing midnight, one hour wide, almost
// all day, degenerate (from == to) and half-set. Each claim is rolled back by a decide() that
// throws at a sentinel target after the last user, so every moment sees the same rows.
TEST_P(DatabaseConformance, DueSelectionAgreesWithTheScheduleRuleAtEveryHour) {
  struct Window {
    std::optional<int> from;
    std::optional<int> to;
  };
  const std::vector<std::optional<int>> send_days = {std::nullopt, 1, 2, 15, 28, 29, 30, 31};
  const std::vector<Window> windows = {{std::nullopt, std::nullopt}, {22, 7}, {7, 22}, {0, 1},  {23, 0},
                                       {12, 13},                     {21, 9}, {5, 4},  {9, 9}, {22, std::nullopt},
                                       {std::nullopt, 7}};
  struct Case {
    YearMonth month;
    std::vector<Date> days;
  };
  // October bills go out in November (30 days); January bills in February 2027 (28 days).
  const std::vector<Case> cases = {
      {kOctober, {{2026, 10, 31}, {2026, 11, 1}, {2026, 11, 2}, {2026, 11, 15}, {2026, 11, 29}, {2026, 11, 30},
                  {2026, 12, 3}}},
      {kJanuary, {{2027, 1, 31}, {2027, 2, 27}, {2027, 2, 28}}},
  };

  UserId next_user = 1;
  std::map<UserId, domain::TargetSchedule> schedules;
  std::vector<DispatchTarget> targets;
  for (const Case& billing : cases) {
    for (const auto& send_day : send_days) {
      for (const Window& window : windows) {
        const UserId user = next_user++;
        targets.push_back(target(user, send_day, window.from, window.to, billing.month));
        domain::TargetSchedule schedule{send_day, std::nullopt};
        if (window.from && window.to) schedule.quiet_hours = domain::QuietHours{*window.from, *window.to};
        schedules[user] = schedule;
      }
    }
  }
  const UserId sentinel = next_user;  // due whenever anything of its month is due
  for (const Case& billing : cases) targets.push_back(target(sentinel, std::nullopt, std::nullopt, std::nullopt, billing.month));
  store(database(), targets);

  for (const Case& billing : cases) {
    for (const Date& day : billing.days) {
      for (int hour = 0; hour < 24; ++hour) {
        SCOPED_TRACE(billing.month.to_string() + " bills on " + day.to_string() + " at " + std::to_string(hour) + ":00");
        std::set<UserId> expected;
        for (const auto& [user, schedule] : schedules) {
          const bool of_this_month = targets[static_cast<std::size_t>(user - 1)].month == billing.month;
          if (of_this_month && domain::is_due(billing.month, schedule, {day, hour, 0}, std::nullopt)) {
            expected.insert(user);
          }
        }
        std::set<UserId> selected;
        bool reached_sentinel = false;
        const DueSelection selection{billing.month, kNow, domain::due_send_day_limit(billing.month, day), hour, 1000};
        auto decide = [&](const DueTarget& due) -> DispatchDecision {
          if (due.user_id == sentinel) {
            reached_sentinel = true;
            throw RollBack{};
          }
          selected.insert(due.user_id);
          return by_policy()(due);
        };
        if (selection.send_day_limit == 0) {
          EXPECT_TRUE(database().deliveries().claim_due_targets(selection, decide).empty());
        } else {
          EXPECT_THROW(database().deliveries().claim_due_targets(selection, decide), RollBack);
          EXPECT_TRUE(reached_sentinel);
        }
        EXPECT_EQ(selected, expected);
      }
    }
  }
  EXPECT_EQ(database().deliveries().count_targets_by_status(kOctober).at("READY"),
            static_cast<std::int64_t>(send_days.size() * windows.size() + 1));
}

TEST_P(DatabaseConformance, RetryTargetsAreDueFromTheirNextAttemptTimeOnTheirNextRound) {
  store(database(), {target(1), target(2)});
  const DeliveryRequest first = dispatch_and_claim(database(), 1, kNow);
  EXPECT_EQ(database().deliveries().record_outcomes(
                std::vector<AttemptOutcome>{failed_then_retry(first, "mailbox full", 1, kNow + 600, kNow + 5)},
                "worker-a"),
            1u);
  EXPECT_EQ(status_of(database(), 1), "RETRY");

  std::vector<DueTarget> seen;
  auto recording = [&seen](const DueTarget& due) {
    seen.push_back(due);
    return by_policy()(due);
  };
  EXPECT_TRUE(database().deliveries().claim_due_targets(everything_due(kNow + 599), recording).empty());
  EXPECT_TRUE(seen.empty());

  const auto retried = database().deliveries().claim_due_targets(everything_due(kNow + 600), recording);
  ASSERT_EQ(retried.size(), 1u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].user_id, 1);
  EXPECT_EQ(seen[0].status, "RETRY");
  EXPECT_EQ(seen[0].round, 1);
  EXPECT_EQ(seen[0].policy_version, 1);
  EXPECT_EQ(retried[0].round, 1);
  EXPECT_EQ(retried[0].channel, Channel::Sms);
  EXPECT_EQ(retried[0].attempt_id(), "2026-10/1/1");

  const ports::TargetSummary line = summary_of(database(), 1);
  EXPECT_EQ(line.status, "QUEUED");
  EXPECT_EQ(line.round, 1);
  EXPECT_EQ(line.channel, Channel::Sms);
  EXPECT_EQ(line.attempts, 2);
  EXPECT_EQ(line.last_error, "mailbox full");
  const auto attempts = database().deliveries().attempts_of(kOctober, 1);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].status, "FAILED");
  EXPECT_EQ(attempts[0].error, "mailbox full");
  EXPECT_EQ(attempts[1].status, "PUBLISHED");
  EXPECT_EQ(attempts[1].channel, Channel::Sms);
}

TEST_P(DatabaseConformance, ReachabilityNeedsBothTheDestinationAndItsDocument) {
  DispatchTarget both = target(1);
  DispatchTarget email_without_document = target(2);
  email_without_document.email_object.reset();
  DispatchTarget phone_without_number = target(3);
  phone_without_number.phone_ciphertext.reset();
  DispatchTarget nothing = target(4);
  nothing.email_ciphertext.reset();
  nothing.sms_object.reset();
  store(database(), {both, email_without_document, phone_without_number, nothing});

  std::map<UserId, domain::Reachability> reach;
  database().deliveries().claim_due_targets(everything_due(), [&reach](const DueTarget& due) {
    reach[due.user_id] = due.reach;
    return by_policy()(due);
  });
  ASSERT_EQ(reach.size(), 4u);
  EXPECT_TRUE(reach[1].email && reach[1].phone);
  EXPECT_TRUE(!reach[2].email && reach[2].phone);
  EXPECT_TRUE(reach[3].email && !reach[3].phone);
  EXPECT_TRUE(!reach[4].email && !reach[4].phone);
}

TEST_P(DatabaseConformance, UnreachableTargetsBecomeExhaustedWithTheReasonAndNoAttempt) {
  DispatchTarget unreachable = target(2);
  unreachable.email_ciphertext.reset();
  unreachable.phone_ciphertext.reset();
  store(database(), {target(1), unreachable, target(3)});
  // Any text survives the trip, including what array and COPY encodings escape.
  const std::string reason = "no reachable channel left: \"EMAIL\", {SMS}\\KAKAO\tNULL\n카카오";
  auto decide = [&reason](const DueTarget& due) {
    DispatchDecision decision = by_policy()(due);
    if (decision.exhausted) decision.reason = reason;
    return decision;
  };
  const auto requests = database().deliveries().claim_due_targets(everything_due(), decide);
  EXPECT_EQ(users_of(requests), (std::vector<UserId>{1, 3}));
  EXPECT_EQ(status_of(database(), 2), "EXHAUSTED");
  EXPECT_TRUE(database().deliveries().attempts_of(kOctober, 2).empty());
  const ports::TargetSummary line = summary_of(database(), 2);
  EXPECT_EQ(line.last_error, reason);
  EXPECT_EQ(line.attempts, 0);
  EXPECT_FALSE(line.channel.has_value());
  // Exhausted is final for dispatch.
  EXPECT_TRUE(database().deliveries().claim_due_targets(everything_due(), by_policy()).empty());
}

TEST_P(DatabaseConformance, ADecisionThatThrowsStoresNothingOfItsBatch) {
  store(database(), {target(1), target(2), target(3)});
  auto failing = [](const DueTarget& due) -> DispatchDecision {
    if (due.user_id == 2) throw std::runtime_error("policy lookup failed");
    return by_policy()(due);
  };
  EXPECT_THROW(database().deliveries().claim_due_targets(everything_due(), failing), std::runtime_error);
  EXPECT_EQ(status_of(database(), 1), "READY");
  EXPECT_TRUE(database().deliveries().attempts_of(kOctober, 1).empty());
  EXPECT_EQ(database().deliveries().claim_due_targets(everything_due(), by_policy()).size(), 3u);
}

TEST_P(DatabaseConformance, ARoundIsNeverPublishedTwice) {
  store(database(), {target(1), target(2)});
  const DeliveryRequest first = dispatch_and_claim(database(), 1, kNow);
  std::vector<AttemptOutcome> outcomes = {failed_then_retry(first, "bounced", 1, kNow, kNow)};
  database().deliveries().record_outcomes(outcomes, "worker-a");
  // A decision that repeats round 0 for the retry must not publish round 0 again.
  auto repeat_round_zero = [](const DueTarget& due) {
    DispatchDecision decision = by_policy()(due);
    decision.round = 0;
    decision.channel = Channel::Email;
    return decision;
  };
  EXPECT_ANY_THROW(database().deliveries().claim_due_targets(everything_due(kNow + 1), repeat_round_zero));
  EXPECT_EQ(status_of(database(), 1), "RETRY");
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 1).size(), 1u);
  EXPECT_EQ(summary_of(database(), 1).attempts, 1);
}

// ---------------------------------------------------------------------------------------------
// Delivery: claiming attempts, recording outcomes

TEST_P(DatabaseConformance, AnAttemptIsClaimedOnceAndThenIsADuplicate) {
  DispatchTarget stored = target(1, 3, 22, 7);
  store(database(), {stored, target(2)});
  const auto requests = database().deliveries().claim_due_targets(everything_due(), by_policy());
  ASSERT_EQ(requests.size(), 2u);

  std::vector<DeliveryRequest> first = {requests[0]};
  const auto claims = database().deliveries().claim_attempts(first, "worker-a", kNow + 10);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].result, AttemptClaimResult::Claimed);
  EXPECT_EQ(claims[0].request.attempt_id(), requests[0].attempt_id());
  ASSERT_TRUE(claims[0].target.has_value());
  const DispatchTarget& claimed = *claims[0].target;
  EXPECT_EQ(claimed.month, kOctober);
  EXPECT_EQ(claimed.user_id, 1);
  EXPECT_EQ(claimed.status, "QUEUED");
  EXPECT_EQ(claimed.email_ciphertext, stored.email_ciphertext);
  EXPECT_EQ(claimed.phone_ciphertext, stored.phone_ciphertext);
  ASSERT_TRUE(claimed.email_object.has_value());
  EXPECT_EQ(claimed.email_object->key, stored.email_object->key);
  EXPECT_EQ(claimed.email_object->sha256_hex, stored.email_object->sha256_hex);
  ASSERT_TRUE(claimed.sms_object.has_value());
  EXPECT_EQ(claimed.sms_object->size, stored.sms_object->size);
  EXPECT_EQ(claimed.send_day, 3);
  EXPECT_EQ(claimed.quiet_from, 22);
  EXPECT_EQ(claimed.quiet_to, 7);

  // Redelivered, to the same worker or another: never sent twice.
  for (const char* worker : {"worker-a", "worker-b"}) {
    const auto again = database().deliveries().claim_attempts(first, worker, kNow + 20);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].result, AttemptClaimResult::Duplicate) << worker;
    EXPECT_FALSE(again[0].target.has_value());
  }
  auto attempts = database().deliveries().attempts_of(kOctober, 1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "SENDING");
  EXPECT_EQ(attempts[0].owner, "worker-a");

  // The same request twice in one batch: the first copy is claimed, the second is a duplicate.
  std::vector<DeliveryRequest> twice = {requests[1], requests[1]};
  const auto batch = database().deliveries().claim_attempts(twice, "worker-b", kNow + 30);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].result, AttemptClaimResult::Claimed);
  EXPECT_TRUE(batch[0].target.has_value());
  EXPECT_EQ(batch[1].result, AttemptClaimResult::Duplicate);

  // Finished attempts stay duplicates.
  std::vector<AttemptOutcome> done = {sent(requests[0], kNow + 40)};
  EXPECT_EQ(database().deliveries().record_outcomes(done, "worker-a"), 1u);
  EXPECT_EQ(database().deliveries().claim_attempts(first, "worker-c", kNow + 50)[0].result,
            AttemptClaimResult::Duplicate);
  EXPECT_TRUE(database().deliveries().claim_attempts(std::vector<DeliveryRequest>{}, "worker-c", kNow).empty());
}

TEST_P(DatabaseConformance, RequestsThatMatchNoAttemptAreUnknownAndAnswersKeepTheirOrder) {
  store(database(), {target(1), target(2)});
  const auto requests = database().deliveries().claim_due_targets(everything_due(), by_policy());
  ASSERT_EQ(requests.size(), 2u);

  DeliveryRequest later_round = requests[0];
  later_round.round = 1;
  DeliveryRequest other_user = requests[0];
  other_user.user_id = 99;
  DeliveryRequest other_month = requests[0];
  other_month.month = kSeptember;
  DeliveryRequest other_channel = requests[0];
  other_channel.channel = Channel::Sms;
  std::vector<DeliveryRequest> batch = {later_round, other_user, requests[1], other_month, other_channel};
  const auto claims = database().deliveries().claim_attempts(batch, "worker-a", kNow);
  ASSERT_EQ(claims.size(), batch.size());
  EXPECT_EQ(claims[0].result, AttemptClaimResult::Unknown);
  EXPECT_EQ(claims[1].result, AttemptClaimResult::Unknown);
  EXPECT_EQ(claims[2].result, AttemptClaimResult::Claimed);
  EXPECT_EQ(claims[2].target->user_id, 2);
  EXPECT_EQ(claims[3].result, AttemptClaimResult::Unknown);
  EXPECT_EQ(claims[4].result, AttemptClaimResult::Unknown);
  for (std::size_t index = 0; index < batch.size(); ++index) {
    EXPECT_EQ(claims[index].request.attempt_id(), batch[index].attempt_id()) << index;
    EXPECT_EQ(claims[index].request.channel, batch[index].channel) << index;
  }
  // The mismatched channel did not claim user 1's attempt.
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 1).at(0).status, "PUBLISHED");
}

TEST_P(DatabaseConformance, OutcomesAreRecordedOnlyByTheWorkerThatHoldsTheAttempt) {
  store(database(), {target(1), target(2), target(3), target(4)});
  const auto requests = database().deliveries().claim_due_targets(everything_due(), by_policy());
  ASSERT_EQ(requests.size(), 4u);
  std::vector<DeliveryRequest> held(requests.begin(), requests.begin() + 3);  // user 4 stays PUBLISHED
  database().deliveries().claim_attempts(held, "worker-a", kNow + 1);

  std::vector<AttemptOutcome> outcomes = {
      sent(requests[0], kNow + 2),
      failed_then_retry(requests[1], "mailbox full", 1, kNow + 3600, kNow + 3),
      failed_then_exhausted(requests[2], "address rejected", kNow + 4),
      sent(requests[3], kNow + 5),
  };
  EXPECT_EQ(database().deliveries().record_outcomes(outcomes, "worker-b"), 0u);
  for (UserId user : {1, 2, 3, 4}) EXPECT_EQ(status_of(database(), user), "QUEUED") << user;
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 1).at(0).status, "SENDING");

  EXPECT_EQ(database().deliveries().record_outcomes(outcomes, "worker-a"), 3u);
  EXPECT_EQ(status_of(database(), 1), "SENT");
  EXPECT_EQ(status_of(database(), 2), "RETRY");
  EXPECT_EQ(status_of(database(), 3), "EXHAUSTED");
  EXPECT_EQ(status_of(database(), 4), "QUEUED");
  const auto first = database().deliveries().attempts_of(kOctober, 1).at(0);
  EXPECT_EQ(first.status, "SENT");
  EXPECT_EQ(first.error, "");
  EXPECT_EQ(first.owner, "worker-a");
  const auto second = database().deliveries().attempts_of(kOctober, 2).at(0);
  EXPECT_EQ(second.status, "FAILED");
  EXPECT_EQ(second.error, "mailbox full");
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 4).at(0).status, "PUBLISHED");

  // Recorded once: the same outcomes again (a retried call, the sweeper too late) change nothing.
  EXPECT_EQ(database().deliveries().record_outcomes(outcomes, "worker-a"), 0u);
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 2).at(0).error, "mailbox full");
  EXPECT_EQ(database().deliveries().record_outcomes(std::vector<AttemptOutcome>{}, "worker-a"), 0u);

  ports::TargetSummary line = summary_of(database(), 2);
  EXPECT_EQ(line.round, 1);
  EXPECT_EQ(line.last_error, "mailbox full");
  EXPECT_EQ(summary_of(database(), 3).last_error, "address rejected");
  EXPECT_EQ(summary_of(database(), 1).last_error, "");

  // The retry goes out on SMS and succeeds; the target keeps the e-mail's error for the export.
  const DeliveryRequest retry = dispatch_and_claim(database(), 2, kNow + 3600, "worker-c");
  EXPECT_EQ(retry.round, 1);
  EXPECT_EQ(retry.channel, Channel::Sms);
  EXPECT_EQ(database().deliveries().record_outcomes(std::vector<AttemptOutcome>{sent(retry, kNow + 3601)}, "worker-c"),
            1u);
  line = summary_of(database(), 2);
  EXPECT_EQ(line.status, "SENT");
  EXPECT_EQ(line.channel, Channel::Sms);
  EXPECT_EQ(line.attempts, 2);
  EXPECT_EQ(line.last_error, "mailbox full");
}

TEST_P(DatabaseConformance, UnknownOutcomesMoveTheTargetOnLikeFailures) {
  store(database(), {target(1)});
  const DeliveryRequest request = dispatch_and_claim(database(), 1, kNow, "worker-gone");
  AttemptOutcome unknown = failed_then_retry(request, "worker-gone vanished mid-send", 1, kNow + 60, kNow + 30);
  unknown.attempt_status = std::string(ports::attempt_status::kUnknown);
  // The sweeper records it with the owner it found on the attempt.
  EXPECT_EQ(database().deliveries().record_outcomes(std::vector<AttemptOutcome>{unknown}, "worker-gone"), 1u);
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 1).at(0).status, "UNKNOWN");
  EXPECT_EQ(status_of(database(), 1), "RETRY");
  // The worker, back from the dead, can no longer record its own ending.
  EXPECT_EQ(database().deliveries().record_outcomes(std::vector<AttemptOutcome>{sent(request, kNow + 40)},
                                                    "worker-gone"),
            0u);
  EXPECT_EQ(status_of(database(), 1), "RETRY");
}

TEST_P(DatabaseConformance, ContradictoryOutcomesAreRefusedBeforeAnythingIsWritten) {
  store(database(), {target(1), target(2)});
  const auto requests = database().deliveries().claim_due_targets(everything_due(), by_policy());
  database().deliveries().claim_attempts(requests, "worker-a", kNow);

  AttemptOutcome sent_but_retry = sent(requests[1], kNow);
  sent_but_retry.target_status = std::string(ports::target_status::kRetry);
  AttemptOutcome failed_but_sent = failed_then_exhausted(requests[1], "x", kNow);
  failed_but_sent.target_status = std::string(ports::target_status::kSent);
  AttemptOutcome retry_same_round = failed_then_retry(requests[1], "x", 0, kNow, kNow);
  AttemptOutcome unknown_status = sent(requests[1], kNow);
  unknown_status.attempt_status = "DELIVERED";
  for (const AttemptOutcome& bad : {sent_but_retry, failed_but_sent, retry_same_round, unknown_status}) {
    std::vector<AttemptOutcome> batch = {sent(requests[0], kNow), bad};
    EXPECT_THROW(database().deliveries().record_outcomes(batch, "worker-a"), std::invalid_argument);
  }
  EXPECT_EQ(status_of(database(), 1), "QUEUED");
  EXPECT_EQ(database().deliveries().attempts_of(kOctober, 1).at(0).status, "SENDING");
}

// ---------------------------------------------------------------------------------------------
// Sweeper lists and reporting

TEST_P(DatabaseConformance, SweeperListsWaitingAndSendingAttemptsOldestFirst) {
  DispatchTarget email_only = target(3);
  email_only.phone_ciphertext.reset();
  store(database(), {target(1), target(2), email_only, target(4, std::nullopt, std::nullopt, std::nullopt, kSeptember)});
  auto& deliveries = database().deliveries();
  const auto early = deliveries.claim_due_targets(everything_due(100, 2), by_policy());
  const auto late = deliveries.claim_due_targets(everything_due(200), by_policy());
  const auto september = deliveries.claim_due_targets(everything_due(150, 10, kSeptember), by_policy());
  ASSERT_EQ(early.size(), 2u);
  ASSERT_EQ(late.size(), 1u);
  ASSERT_EQ(september.size(), 1u);

  auto ids = [](const std::vector<DeliveryRequest>& requests) {
    std::vector<std::string> texts;
    for (const auto& request : requests) texts.push_back(request.attempt_id());
    return texts;
  };
  EXPECT_TRUE(deliveries.waiting_attempts(99, 10).empty());
  EXPECT_EQ(ids(deliveries.waiting_attempts(100, 10)), (std::vector<std::string>{"2026-10/1/0", "2026-10/2/0"}));
  EXPECT_EQ(ids(deliveries.waiting_attempts(150, 10)),
            (std::vector<std::string>{"2026-10/1/0", "2026-10/2/0", "2026-09/4/0"}));
  EXPECT_EQ(ids(deliveries.waiting_attempts(1000, 2)), (std::vector<std::string>{"2026-10/1/0", "2026-10/2/0"}));
  const auto waiting = deliveries.waiting_attempts(1000, 10);
  ASSERT_EQ(waiting.size(), 4u);
  EXPECT_EQ(waiting[3].attempt_id(), "2026-10/3/0");
  EXPECT_EQ(waiting[3].channel, Channel::Email);
  EXPECT_EQ(waiting[3].policy_version, 1);

  deliveries.claim_attempts(late, "worker-b", 300);
  deliveries.claim_attempts(std::vector<DeliveryRequest>{early[1]}, "worker-a", 400);
  EXPECT_EQ(ids(deliveries.waiting_attempts(1000, 10)), (std::vector<std::string>{"2026-10/1/0", "2026-09/4/0"}));

  const auto sending = deliveries.sending_attempts(10);
  ASSERT_EQ(sending.size(), 2u);
  EXPECT_EQ(sending[0].request.attempt_id(), "2026-10/3/0");
  EXPECT_EQ(sending[0].owner, "worker-b");
  EXPECT_EQ(sending[0].started_at, 300);
  EXPECT_EQ(sending[0].request.policy_version, 1);
  EXPECT_TRUE(sending[0].reach.email);
  EXPECT_FALSE(sending[0].reach.phone);
  EXPECT_EQ(sending[1].request.attempt_id(), "2026-10/2/0");
  EXPECT_EQ(sending[1].owner, "worker-a");
  EXPECT_EQ(sending[1].started_at, 400);
  EXPECT_TRUE(sending[1].reach.phone);
  EXPECT_EQ(deliveries.sending_attempts(1).size(), 1u);

  deliveries.record_outcomes(std::vector<AttemptOutcome>{sent(late[0], 500)}, "worker-b");
  const auto still = deliveries.sending_attempts(10);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].request.attempt_id(), "2026-10/2/0");
}

TEST_P(DatabaseConformance, TargetSummariesCoverEveryTargetOfTheMonthInUserOrder) {
  DispatchTarget failed = target(5);
  failed.status = std::string(ports::target_status::kFailed);
  failed.error = "cannot decrypt e-mail";
  DispatchTarget unreachable = target(4);
  unreachable.email_ciphertext.reset();
  unreachable.phone_ciphertext.reset();
  store(database(), {target(1), target(2), target(3), unreachable, failed, target(6, 31),
                     target(7, std::nullopt, std::nullopt, std::nullopt, kSeptember)});
  auto& deliveries = database().deliveries();
  // Day 15: user 6 (send day 31) is not due yet.
  const auto requests = deliveries.claim_due_targets({kOctober, kNow, 15, 12, 1000}, by_policy());
  ASSERT_EQ(users_of(requests), (std::vector<UserId>{1, 2, 3}));
  deliveries.claim_attempts(std::vector<DeliveryRequest>{requests[0], requests[1]}, "worker", kNow);
  deliveries.record_outcomes(std::vector<AttemptOutcome>{sent(requests[0], kNow)}, "worker");

  const auto lines = summaries(database());
  ASSERT_EQ(lines.size(), 6u);
  std::vector<std::string> shown;
  for (const auto& line : lines) shown.push_back(std::to_string(line.user_id) + " " + line.status);
  EXPECT_EQ(shown, (std::vector<std::string>{"1 SENT", "2 QUEUED", "3 QUEUED", "4 EXHAUSTED", "5 FAILED", "6 READY"}));
  EXPECT_EQ(lines[0].channel, Channel::Email);
  EXPECT_EQ(lines[0].attempts, 1);
  EXPECT_EQ(lines[3].last_error, "no reachable channel left");
  EXPECT_EQ(lines[4].last_error, "cannot decrypt e-mail");
  EXPECT_FALSE(lines[5].channel.has_value());
  EXPECT_EQ(lines[5].attempts, 0);
  EXPECT_EQ(lines[5].round, 0);
  EXPECT_EQ(lines[5].last_error, "");
  EXPECT_EQ(deliveries.count_targets_by_status(kOctober),
            (std::map<std::string, std::int64_t>{
                {"EXHAUSTED", 1}, {"FAILED", 1}, {"QUEUED", 2}, {"READY", 1}, {"SENT", 1}}));
  EXPECT_EQ(summaries(database(), kSeptember).size(), 1u);
  EXPECT_TRUE(summaries(database(), YearMonth{2026, 8}).empty());
  EXPECT_TRUE(deliveries.count_targets_by_status(YearMonth{2026, 8}).empty());
}

TEST_P(DatabaseConformance, TargetSummariesWalkAMonthLargerThanAnyPage) {
  constexpr UserId kTargets = 7'001;
  std::vector<DispatchTarget> chunk;
  for (UserId id = 1; id <= kTargets; ++id) {
    chunk.push_back(target(id, id % 2 == 0 ? std::optional<int>(31) : std::nullopt));
    if (chunk.size() == 3000 || id == kTargets) {
      store(database(), chunk);
      chunk.clear();
    }
  }
  database().deliveries().claim_due_targets({kOctober, kNow, 1, 12, 10'000}, by_policy());
  UserId expected = 0;
  database().deliveries().for_each_target_summary(kOctober, [&expected](const ports::TargetSummary& line) {
    ++expected;
    ASSERT_EQ(line.user_id, expected);
    ASSERT_EQ(line.status, expected % 2 == 0 ? "READY" : "QUEUED");
  });
  EXPECT_EQ(expected, kTargets);
}

// The invoice job's rule, with statuses reached the way dispatch and delivery reach them.
TEST_P(DatabaseConformance, TheInvoiceJobNeverReopensATargetDispatchOwns) {
  DispatchTarget unreachable = target(4);
  unreachable.email_ciphertext.reset();
  unreachable.phone_ciphertext.reset();
  store(database(), {target(1), target(2), target(3), unreachable, target(5)});
  auto& deliveries = database().deliveries();
  const auto requests = deliveries.claim_due_targets(everything_due(), by_policy());
  ASSERT_EQ(requests.size(), 4u);  // 1, 2, 3, 5 QUEUED; 4 EXHAUSTED
  deliveries.claim_attempts(std::vector<DeliveryRequest>{requests[0], requests[1]}, "worker", kNow);
  deliveries.record_outcomes(
      std::vector<AttemptOutcome>{sent(requests[0], kNow), failed_then_retry(requests[1], "x", 1, kNow + 60, kNow)},
      "worker");
  const std::map<UserId, std::string> before = {
      {1, "SENT"}, {2, "RETRY"}, {3, "QUEUED"}, {4, "EXHAUSTED"}, {5, "QUEUED"}};
  for (const auto& [user, status] : before) ASSERT_EQ(status_of(database(), user), status) << user;

  std::vector<DispatchTarget> regenerated;
  for (UserId user = 1; user <= 5; ++user) {
    DispatchTarget again = target(user);
    again.invoice_revision = 2;
    regenerated.push_back(again);
  }
  regenerated.push_back(target(6));
  EXPECT_EQ(database().targets().store_targets(regenerated), 1);  // only the new user 6
  for (const auto& [user, status] : before) {
    EXPECT_EQ(status_of(database(), user), status) << user;
    EXPECT_EQ(database().targets().find_target(kOctober, user)->invoice_revision, 1) << user;
  }
  EXPECT_EQ(summary_of(database(), 2).round, 1);
  EXPECT_EQ(status_of(database(), 6), "READY");
}

// ---------------------------------------------------------------------------------------------
// A rough throughput measurement of the dispatch and delivery statements, run only when
// TR1L_BENCH_CLAIM_TARGETS is set (e.g. 100000; TR1L_BENCH_CLAIM_BATCH, default 1000). Besides
// wall time it reports the CPU time of the test and (PostgreSQL) of the server, so a run on a
// machine busy with other work still tells what one connection can do: claims per CPU second.

namespace {

class BenchClock {
 public:
  explicit BenchClock(std::function<double()> server_cpu) : server_cpu_(std::move(server_cpu)) { restart(); }

  void restart() {
    wall_ = std::chrono::steady_clock::now();
    client_ = std::clock();
    server_ = server_cpu_ ? server_cpu_() : 0;
  }

  // "1.23 s wall (45678/s); CPU 0.80 s test + 0.40 s server (83333/CPU s)"
  std::string report(std::size_t count) const {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    const double client = static_cast<double>(std::clock() - client_) / CLOCKS_PER_SEC;
    const double server = server_cpu_ ? server_cpu_() - server_ : 0;
    char text[200];
    std::snprintf(text, sizeof text, "%.2f s wall (%.0f/s); CPU %.2f s test + %.2f s server (%.0f/CPU s)", wall,
                  count / wall, client, server, count / (client + server));
    return text;
  }

 private:
  std::function<double()> server_cpu_;
  std::chrono::steady_clock::time_point wall_;
  std::clock_t client_ = 0;
  double server_ = 0;
};

}  // namespace

TEST_P(DatabaseConformance, ClaimThroughput) {
  const char* targets_text = std::getenv("TR1L_BENCH_CLAIM_TARGETS");
  if (targets_text == nullptr) GTEST_SKIP() << "set TR1L_BENCH_CLAIM_TARGETS=N to measure claims";
  const UserId total = std::stoll(targets_text);
  const char* batch_text = std::getenv("TR1L_BENCH_CLAIM_BATCH");
  const std::size_t batch = batch_text == nullptr ? 1000 : static_cast<std::size_t>(std::stoll(batch_text));
  std::function<double()> server_cpu;
  if (GetParam().server_cpu_seconds) server_cpu = [this] { return GetParam().server_cpu_seconds(database()); };
  const char* backend = GetParam().name.c_str();

  // The seed's shape: send days spread over the month, a third with quiet hours 22-7.
  std::vector<DispatchTarget> chunk;
  for (UserId id = 1; id <= total; ++id) {
    chunk.push_back(target(id, static_cast<int>(id % 31) + 1, id % 3 == 0 ? std::optional<int>(22) : std::nullopt,
                           id % 3 == 0 ? std::optional<int>(7) : std::nullopt));
    if (chunk.size() == 20'000 || id == total) {
      store(database(), chunk);
      chunk.clear();
    }
  }
  auto& deliveries = database().deliveries();

  // Day 15 at 23:00 first, as a first run that catches up half a month: half the targets are not
  // due yet and a third of the rest are quiet, and every claim walks past those before the
  // first due one. Then the month's end at noon: everything left is due.
  std::vector<DeliveryRequest> claimed;
  for (const auto& [limit, hour] : {std::pair{15, 23}, std::pair{31, 12}}) {
    std::size_t count = 0;
    std::size_t calls = 0;
    BenchClock clock(server_cpu);
    for (;;) {
      auto requests = deliveries.claim_due_targets({kOctober, kNow, limit, hour, batch}, by_policy());
      ++calls;
      count += requests.size();
      claimed.insert(claimed.end(), requests.begin(), requests.end());
      if (requests.size() < batch) break;
    }
    std::printf("[ BENCH    ] %s claim_due_targets (send day limit %d, %02d:00): %zu claims in %zu calls of %zu: %s\n",
                backend, limit, hour, count, calls, batch, clock.report(count).c_str());
  }
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(total));

  BenchClock clock(server_cpu);
  for (std::size_t offset = 0; offset < claimed.size(); offset += batch) {
    const std::size_t size = std::min(batch, claimed.size() - offset);
    deliveries.claim_attempts(std::span<const DeliveryRequest>(claimed).subspan(offset, size), "bench", kNow);
  }
  std::printf("[ BENCH    ] %s claim_attempts: %zu in batches of %zu: %s\n", backend, claimed.size(), batch,
              clock.report(claimed.size()).c_str());

  clock.restart();
  std::vector<AttemptOutcome> outcomes;
  for (std::size_t index = 0; index < claimed.size(); ++index) {
    outcomes.push_back(index % 2 == 0 ? sent(claimed[index], kNow)
                                      : failed_then_retry(claimed[index], "bench", 1, kNow + 60, kNow));
    if (outcomes.size() == batch || index + 1 == claimed.size()) {
      deliveries.record_outcomes(outcomes, "bench");
      outcomes.clear();
    }
  }
  std::printf("[ BENCH    ] %s record_outcomes: %zu in batches of %zu: %s\n", backend, claimed.size(), batch,
              clock.report(claimed.size()).c_str());
}

}  // namespace tr1l::conformance
