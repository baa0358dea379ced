// Dispatch and delivery through the real binary on the production backends: PostgreSQL, a real
// Kafka broker, a real SMTP server (the aiosmtpd sink) and an HTTP gateway (the fake gateway).
// Each test starts its own sink and gateway so it can count exactly what reached them, and uses
// its own topics. The invariant of SPEC §6 is checked after crashes: each (month, user, round)
// reaches a sink at most once, every SENT target's round reached one, every target ends SENT or
// EXHAUSTED.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/kafka/kafka_bus.h"
#include "adapters/postgres/postgres_database.h"
#include "common/csv.h"
#include "dispatch/delivery_messages.h"
#include "ports/delivery_store.h"
#include "support/postgres_scratch.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using namespace std::chrono_literals;
using tr1l::testing::ChildProcess;
using tr1l::testing::ProcessResult;
using tr1l::testing::TemporaryDirectory;

constexpr const char* kMonth = "2026-10";
const domain::YearMonth kBillingMonth{2026, 10};

std::map<std::string, std::string> read_env_file(const std::filesystem::path& path) {
  std::map<std::string, std::string> values;
  std::ifstream input(path);
  std::string line;
  std::regex assignment(R"(^export ([A-Z0-9_]+)=(.*)$)");
  while (std::getline(input, line)) {
    std::smatch match;
    if (!std::regex_match(line, match, assignment)) continue;
    std::string value = match[2];
    // printf %q quotes only when needed; these values never hold spaces or quotes.
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') value = value.substr(1, value.size() - 2);
    value = std::regex_replace(value, std::regex(R"(\\(.))"), "$1");
    values[match[1]] = value;
  }
  return values;
}

// A server from scripts/servers/, started in `directory` and stopped with the test.
class ScriptServer {
 public:
  ScriptServer(std::string script, std::filesystem::path directory)
      : script_(std::string(TR1L_SOURCE_DIR) + "/scripts/servers/" + std::move(script)), directory_(std::move(directory)) {
    auto started = tr1l::testing::run_process({"/bin/bash", script_, "start", directory_.string()}, {});
    if (started.exit_code != 0) throw std::runtime_error(script_ + " start failed: " + started.err);
    env_ = read_env_file(directory_ / "env");
  }
  ~ScriptServer() { tr1l::testing::run_process({"/bin/bash", script_, "stop", directory_.string()}, {}); }
  const std::string& at(const std::string& name) const { return env_.at(name); }

 private:
  std::string script_;
  std::filesystem::path directory_;
  std::map<std::string, std::string> env_;
};

class KafkaDeliveryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* brokers = std::getenv("TR1L_TEST_KAFKA_BROKERS");
    try {
      server_url_ = conformance::postgres_server_url();
      if (brokers == nullptr) throw std::runtime_error("TR1L_TEST_KAFKA_BROKERS is not set (scripts/servers/kafka.sh)");
    } catch (const std::exception& unavailable) {
      if (std::getenv("TR1L_REQUIRE_SERVERS") != nullptr) FAIL() << unavailable.what();
      GTEST_SKIP() << unavailable.what();
    }
    brokers_ = brokers;
    database_ = std::make_unique<conformance::ScratchPostgresDatabase>(server_url_);
    smtp_ = std::make_unique<ScriptServer>("smtp-sink.sh", directory_.path() / "smtp");
    gateway_ = std::make_unique<ScriptServer>("fake-gateway.sh", directory_.path() / "gateway");
    std::random_device random;
    topic_prefix_ = fmt::format("t{:08x}.", random());
  }

  std::string bus_url() const {
    return fmt::format("kafka://{}?topic_prefix={}&partitions=4&session_timeout_ms=6000", brokers_, topic_prefix_);
  }

  std::map<std::string, std::string> environment() {
    return {{"TR1L_HOME", (directory_.path() / "home").string()},
            {"TR1L_DATABASE_URL", database_->url()},
            {"TR1L_KEYS", ""},
            {"TR1L_KEY_FILE", ""},
            {"TR1L_OBJECT_STORE", ""},
            {"TR1L_SYSTEM_QUIET_HOURS", ""},
            {"TR1L_BUS", bus_url()},
            {"TR1L_EMAIL_CHANNEL", smtp_->at("TR1L_TEST_SMTP_URL")},
            {"TR1L_SMS_CHANNEL", gateway_->at("TR1L_TEST_GATEWAY_URL")},
            {"TR1L_KAKAO_CHANNEL", gateway_->at("TR1L_TEST_GATEWAY_URL")},
            {"TR1L_GATEWAY_TOKEN", gateway_->at("TR1L_TEST_GATEWAY_TOKEN")}};
  }

  ProcessResult tr1l(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), TR1L_BINARY);
    return tr1l::testing::run_process(arguments, environment());
  }

  void prepare(const char* users) {
    for (std::vector<std::string> step : {std::vector<std::string>{"seed", "--users", users, "--month", kMonth, "--seed", "8"},
                                          std::vector<std::string>{"settle", "--month", kMonth},
                                          std::vector<std::string>{"invoice", "--month", kMonth}}) {
      auto result = tr1l(step);
      ASSERT_EQ(result.exit_code, 0) << step[0] << ": " << result.err;
    }
  }

  // How often each attempt id reached a sink: e-mails by their X-TR1L-Attempt header, gateway
  // requests by the idempotency key of every accepted (200) try.
  std::map<std::string, int> received() {
    std::map<std::string, int> counts;
    const std::filesystem::path maildir = smtp_->at("TR1L_TEST_SMTP_MAILDIR");
    if (std::filesystem::exists(maildir)) {
      for (const auto& entry : std::filesystem::directory_iterator(maildir)) {
        if (entry.path().extension() != ".eml") continue;
        std::ifstream input(entry.path());
        std::string line;
        while (std::getline(input, line)) {
          if (line.starts_with("X-TR1L-Attempt: ")) {
            std::string id = line.substr(16);
            if (!id.empty() && id.back() == '\r') id.pop_back();
            ++counts[id];
            break;
          }
        }
      }
    }
    std::ifstream tries(gateway_->at("TR1L_TEST_GATEWAY_TRIES"));
    std::string line;
    while (std::getline(tries, line)) {
      auto json = nlohmann::json::parse(line);
      if (json.value("status", 0) == 200) ++counts[json.at("idempotency_key").get<std::string>()];
    }
    return counts;
  }

  std::map<std::string, std::int64_t> target_counts() {
    adapters::postgres::PostgresDatabase database(database_->url());
    return database.deliveries().count_targets_by_status(kBillingMonth);
  }

  void expect_invariant_holds() {
    auto counts = received();
    for (const auto& [attempt, count] : counts) EXPECT_EQ(count, 1) << attempt << " reached a sink " << count << " times";
    auto exported = tr1l({"export", "targets", "--month", kMonth});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    auto records = csv::parse_all(exported.out);
    std::int64_t sent = 0;
    for (std::size_t index = 1; index < records.size(); ++index) {
      const auto& fields = records[index].fields;
      EXPECT_TRUE(fields[1] == "SENT" || fields[1] == "EXHAUSTED") << "user " << fields[0] << " is " << fields[1];
      if (fields[1] == "SENT") {
        ++sent;
        std::string attempt = std::string(kMonth) + "/" + fields[0] + "/" + fields[2];
        EXPECT_EQ(counts.count(attempt), 1u) << attempt << " is SENT but never reached a sink";
      }
    }
    EXPECT_GT(sent, 0);
  }

  TemporaryDirectory directory_;
  std::string server_url_;
  std::string brokers_;
  std::string topic_prefix_;
  std::unique_ptr<conformance::ScratchPostgresDatabase> database_;
  std::unique_ptr<ScriptServer> smtp_;
  std::unique_ptr<ScriptServer> gateway_;
};

TEST_F(KafkaDeliveryCli, TheWholeMonthWithInjectedFailuresReachesEachRoundOnce) {
  auto run = tr1l({"run", "--month", kMonth, "--users", "300", "--seed", "4", "--fail", "email=0.3,sms=0.4"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  expect_invariant_holds();
  auto counts = target_counts();
  EXPECT_EQ(counts["READY"] + counts["QUEUED"] + counts["RETRY"], 0);
  EXPECT_GT(received().size(), 200u);
  const std::string output = run.out + run.err;
  EXPECT_EQ(output.find("@example"), std::string::npos) << "a plaintext address in the output";
}

TEST_F(KafkaDeliveryCli, AConsumerKilledMidFlightAndASecondJoiningLoseAndDuplicateNothing) {
  prepare("1500");
  // Fixed clock: on the 1st at noon only targets with no send day or day 1, outside quiet hours.
  auto first = tr1l({"dispatch", "--month", kMonth, "--at", "2026-11-01T12:00"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  {
    adapters::postgres::PostgresDatabase database(database_->url());
    std::int64_t due = 0, queued = 0;
    database.targets().for_each_target(kBillingMonth, [&](const ports::DispatchTarget& target) {
      bool quiet = target.quiet_from && target.quiet_to && domain::is_quiet({*target.quiet_from, *target.quiet_to}, 12);
      bool should = target.send_day.value_or(1) <= 1 && !quiet;
      due += should ? 1 : 0;
      queued += target.status == "QUEUED" ? 1 : 0;
      EXPECT_EQ(target.status == "QUEUED", should) << "user " << target.user_id;
    });
    ASSERT_GT(queued, 100);
    EXPECT_EQ(queued, due);
  }
  ChildProcess victim({TR1L_BINARY, "deliver", "--at", "2026-11-01T12:00", "--concurrency", "8", "--latency",
                       "email=40ms,sms=40ms"},
                      environment());
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline && victim.running()) {
    if (received().size() >= 40) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(victim.running()) << "the consumer stopped before it could be killed";
  victim.kill(SIGKILL);
  ASSERT_EQ(victim.wait().exit_code, -SIGKILL);
  ASSERT_GT(target_counts()["QUEUED"], 0) << "nothing was left in flight";

  // The restarted consumer and a second one share the group; the restart judges the killed
  // process's in-flight sends UNKNOWN and moves them to the next channel.
  ChildProcess restarted({TR1L_BINARY, "deliver", "--until-idle", "--at", "2026-11-01T12:00"}, environment());
  ChildProcess joined({TR1L_BINARY, "deliver", "--until-idle", "--at", "2026-11-01T12:00"}, environment());
  auto restarted_result = restarted.wait();
  auto joined_result = joined.wait();
  ASSERT_EQ(restarted_result.exit_code, 0) << restarted_result.err;
  ASSERT_EQ(joined_result.exit_code, 0) << joined_result.err;

  // Later hours of the month take the other send days, the deferred quiet hours and the rounds
  // moved on by the sweeper.
  for (const char* at : {"2026-11-30T12:00", "2026-11-30T20:00", "2026-12-01T03:00", "2026-12-01T09:00",
                         "2026-12-01T16:00", "2026-12-01T23:00", "2026-12-02T06:00"}) {
    auto dispatched = tr1l({"dispatch", "--month", kMonth, "--at", at});
    ASSERT_EQ(dispatched.exit_code, 0) << dispatched.err;
    auto delivered = tr1l({"deliver", "--until-idle", "--at", at});
    ASSERT_EQ(delivered.exit_code, 0) << delivered.err;
  }
  expect_invariant_holds();
  adapters::postgres::PostgresDatabase database(database_->url());
  std::int64_t unknown = 0;
  database.targets().for_each_target(kBillingMonth, [&](const ports::DispatchTarget& target) {
    for (const auto& attempt : database.deliveries().attempts_of(kBillingMonth, target.user_id)) {
      unknown += attempt.status == "UNKNOWN" ? 1 : 0;
    }
  });
  EXPECT_GT(unknown, 0) << "the kill left no send in flight to judge";
}

TEST_F(KafkaDeliveryCli, APoisonRecordIsDeadLetteredWithItsReasonWhileTheRestFlows) {
  prepare("200");
  auto dispatched = tr1l({"dispatch", "--month", kMonth, "--at", "2026-11-30T12:00"});
  ASSERT_EQ(dispatched.exit_code, 0) << dispatched.err;
  adapters::kafka::KafkaBus bus(adapters::kafka::parse_kafka_url(bus_url()));
  auto publisher = bus.publisher();
  publisher->publish(ports::Topic::DeliveryRequests, "77", "{\"schema_version\":1,\"month\":\"2026-10\"");
  publisher->flush(10s);
  auto delivered = tr1l({"deliver", "--until-idle", "--at", "2026-11-30T12:00"});
  ASSERT_EQ(delivered.exit_code, 0) << delivered.err;
  EXPECT_NE(delivered.out.find("1 dead-lettered"), std::string::npos) << delivered.out;
  EXPECT_GT(target_counts()["SENT"], 100);

  // Read the dead-letter topic as a consumer group of its own.
  auto settings = adapters::kafka::parse_kafka_url(bus_url());
  settings.requests_topic = settings.dead_letters_topic;
  adapters::kafka::KafkaBus letters(settings);
  auto consumer = letters.consumer("dead-letter-reader");
  std::vector<ports::ReceivedRecord> records;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (records.empty() && std::chrono::steady_clock::now() < deadline) records = consumer->poll(10, 500ms);
  ASSERT_EQ(records.size(), 1u);
  auto letter = nlohmann::json::parse(records[0].payload);
  EXPECT_EQ(letter.at("reason"), "not a JSON object");
  EXPECT_EQ(letter.at("key"), "77");
  EXPECT_EQ(letter.at("payload"), "{\"schema_version\":1,\"month\":\"2026-10\"");
}

}  // namespace
}  // namespace tr1l::app
