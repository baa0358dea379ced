// `tr1l run`, `tr1l dispatch`, `tr1l deliver` and `tr1l export targets` through the real binary
// on the embedded default (SQLite, local invoices, in-process bus, file outboxes): the whole
// month with injected failures, a run killed mid-delivery and resumed, and fixed-clock drills.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/sqlite/sqlite_database.h"
#include "common/csv.h"
#include "ports/delivery_store.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using tr1l::testing::ProcessResult;
using tr1l::testing::TemporaryDirectory;

constexpr const char* kMonth = "2026-10";
const domain::YearMonth kBillingMonth{2026, 10};

struct OutboxLine {
  std::int64_t user_id = 0;
  int round = 0;
  std::string channel;
  std::string to;
};

class RunCli : public ::testing::Test {
 protected:
  std::map<std::string, std::string> environment() {
    return {{"TR1L_HOME", home().string()}, {"TR1L_DATABASE_URL", ""}, {"TR1L_KEYS", ""}, {"TR1L_KEY_FILE", ""},
            {"TR1L_OBJECT_STORE", ""}, {"TR1L_BUS", ""}, {"TR1L_EMAIL_CHANNEL", ""}, {"TR1L_SMS_CHANNEL", ""},
            {"TR1L_KAKAO_CHANNEL", ""}, {"TR1L_SYSTEM_QUIET_HOURS", ""}};
  }
  std::filesystem::path home() { return directory_.path() / "home"; }

  ProcessResult tr1l(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), TR1L_BINARY);
    return tr1l::testing::run_process(arguments, environment());
  }

  std::vector<OutboxLine> outbox() {
    std::vector<OutboxLine> lines;
    for (const char* channel : {"email", "sms", "kakao"}) {
      std::ifstream input(home() / "outbox" / (std::string(channel) + ".jsonl"));
      std::string text;
      while (std::getline(input, text)) {
        auto json = nlohmann::json::parse(text);
        lines.push_back({json.at("user_id").get<std::int64_t>(), json.at("round").get<int>(),
                         json.at("channel").get<std::string>(), json.at("to").get<std::string>()});
        EXPECT_EQ(json.at("month"), kMonth);
      }
    }
    return lines;
  }

  std::map<std::string, std::int64_t> target_counts() {
    adapters::sqlite::SqliteDatabase database((home() / "tr1l.db").string());
    return database.deliveries().count_targets_by_status(kBillingMonth);
  }

  // The invariant of SPEC §6: every (user, round) at most once at the sinks, every target
  // SENT or EXHAUSTED, and each SENT target's last round is in the outbox on its channel.
  void expect_every_target_settled_without_duplicates() {
    auto lines = outbox();
    std::map<std::pair<std::int64_t, int>, int> received;
    for (const auto& line : lines) {
      ++received[{line.user_id, line.round}];
      EXPECT_EQ(line.to.find('@') == std::string::npos || line.to.find("***") != std::string::npos, true) << line.to;
    }
    for (const auto& [key, count] : received) EXPECT_EQ(count, 1) << "user " << key.first << " round " << key.second;

    auto exported = tr1l({"export", "targets", "--month", kMonth});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    auto records = csv::parse_all(exported.out);
    ASSERT_GT(records.size(), 1u);
    EXPECT_EQ(records[0].fields, (std::vector<std::string>{"user_id", "status", "round", "channel", "attempts", "last_error"}));
    std::int64_t sent = 0;
    for (std::size_t index = 1; index < records.size(); ++index) {
      const auto& fields = records[index].fields;
      const std::string& status = fields[1];
      EXPECT_TRUE(status == "SENT" || status == "EXHAUSTED") << "user " << fields[0] << " is " << status;
      if (status == "SENT") {
        ++sent;
        auto found = received.find({std::stoll(fields[0]), std::stoi(fields[2])});
        EXPECT_NE(found, received.end()) << "user " << fields[0] << " SENT but not in the outbox";
      } else {
        EXPECT_FALSE(fields[5].empty()) << "user " << fields[0] << " EXHAUSTED without a reason";
      }
    }
    EXPECT_GT(sent, 0);
  }

  TemporaryDirectory directory_;
};

TEST_F(RunCli, TheWholeMonthWithInjectedFailuresEndsSentOrExhaustedWithoutDuplicates) {
  auto run = tr1l({"run", "--month", kMonth, "--users", "400", "--seed", "5", "--fail", "email=0.3,sms=0.5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("simulated clock"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("requests by day: 11-01"), std::string::npos) << run.out;
  expect_every_target_settled_without_duplicates();
  auto counts = target_counts();
  EXPECT_GT(counts["SENT"], 0);
  std::set<std::string> channels;
  for (const auto& line : outbox()) channels.insert(line.channel);
  EXPECT_EQ(channels, (std::set<std::string>{"EMAIL", "SMS", "KAKAO"}));  // failures moved rounds on
  EXPECT_TRUE(std::filesystem::exists(home() / "outbox" / "email" / kMonth));

  // A second run finds everything delivered and sends nothing more.
  auto lines_before = outbox().size();
  auto again = tr1l({"run", "--month", kMonth, "--users", "400", "--seed", "5"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(outbox().size(), lines_before);
}

TEST_F(RunCli, NoPlaintextContactInTheOutputOrTheJournal) {
  auto run = tr1l({"run", "--month", kMonth, "--users", "60", "--seed", "9"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const std::string* text : {&run.out, &run.err}) {
    EXPECT_EQ(text->find("@example"), std::string::npos);
  }
  for (const char* channel : {"email", "sms", "kakao"}) {
    std::ifstream input(home() / "outbox" / (std::string(channel) + ".jsonl"));
    std::string journal((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    EXPECT_EQ(journal.find("@example.com\""), std::string::npos) << channel;
  }
}

TEST_F(RunCli, KilledMidDeliveryResumesWithoutSendingAnyRoundTwice) {
  tr1l::testing::ChildProcess first({TR1L_BINARY, "run", "--month", kMonth, "--users", "1500", "--seed", "3", "--latency",
                                     "email=30ms,sms=30ms"},
                                    environment());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && first.running()) {
    if (outbox().size() >= 100) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(first.running()) << "the run finished before it could be killed";
  first.kill(SIGKILL);
  ASSERT_EQ(first.wait().exit_code, -SIGKILL);
  auto counts = target_counts();
  ASSERT_GT(counts["READY"] + counts["QUEUED"] + counts["RETRY"], 0);

  auto resumed = tr1l({"run", "--month", kMonth, "--users", "1500", "--seed", "3"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  expect_every_target_settled_without_duplicates();
}

TEST_F(RunCli, FixedClockDrillHonoursSendDaysAndQuietHours) {
  ASSERT_EQ(tr1l({"seed", "--users", "300", "--month", kMonth, "--seed", "11"}).exit_code, 0);
  ASSERT_EQ(tr1l({"settle", "--month", kMonth}).exit_code, 0);
  ASSERT_EQ(tr1l({"invoice", "--month", kMonth}).exit_code, 0);

  auto early = tr1l({"dispatch", "--month", kMonth, "--at", "2026-10-31T12:00"});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_NE(early.out.find("nothing is due before 2026-11-01"), std::string::npos) << early.out;

  auto first_day = tr1l({"dispatch", "--month", kMonth, "--at", "2026-11-01T12:00"});
  ASSERT_EQ(first_day.exit_code, 0) << first_day.err;
  auto delivered = tr1l({"deliver", "--until-idle", "--at", "2026-11-01T12:00"});
  ASSERT_EQ(delivered.exit_code, 0) << delivered.err;

  adapters::sqlite::SqliteDatabase database((home() / "tr1l.db").string());
  std::map<std::int64_t, ports::DispatchTarget> targets;
  database.targets().for_each_target(kBillingMonth, [&](const ports::DispatchTarget& target) { targets[target.user_id] = target; });
  std::set<std::int64_t> sent;
  for (const auto& line : outbox()) sent.insert(line.user_id);
  ASSERT_FALSE(sent.empty());
  for (const auto& [user, target] : targets) {
    const bool due_day = target.send_day.value_or(1) <= 1;
    const bool quiet = target.quiet_from && target.quiet_to &&
                       domain::is_quiet({*target.quiet_from, *target.quiet_to}, 12);
    EXPECT_EQ(sent.contains(user), due_day && !quiet) << "user " << user;
  }
}

}  // namespace
}  // namespace tr1l::app
