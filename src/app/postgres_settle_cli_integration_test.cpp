// `tr1l settle` on PostgreSQL through the real binary: several worker processes share a month
// through leased partitions, and a worker killed with SIGKILL loses nothing and duplicates nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "adapters/postgres/postgres_database.h"
#include "ports/dispatch_targets.h"
#include "support/postgres_scratch.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using tr1l::testing::ChildProcess;
using tr1l::testing::ProcessResult;
using tr1l::testing::TemporaryDirectory;

constexpr const char* kMonth = "2026-10";

class PostgresSettleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      server_url_ = conformance::postgres_server_url();
    } catch (const std::exception& unavailable) {
      if (std::getenv("TR1L_REQUIRE_SERVERS") != nullptr) FAIL() << unavailable.what();
      GTEST_SKIP() << unavailable.what();
    }
  }

  std::map<std::string, std::string> environment(const conformance::ScratchPostgresDatabase& database) {
    return {{"TR1L_HOME", (directory_.path() / "home").string()},
            {"TR1L_DATABASE_URL", database.url()},
            {"TR1L_KEY_FILE", ""},
            {"TR1L_KEYS", ""}};
  }

  ProcessResult tr1l(const conformance::ScratchPostgresDatabase& database, std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), TR1L_BINARY);
    return tr1l::testing::run_process(arguments, environment(database));
  }

  std::string seeded_and_exported_reference(const conformance::ScratchPostgresDatabase& database) {
    EXPECT_EQ(tr1l(database, {"seed", "--users", kUsers, "--month", kMonth, "--seed", "5"}).exit_code, 0);
    EXPECT_EQ(tr1l(database, {"settle", "--month", kMonth}).exit_code, 0);
    return export_bills(database);
  }

  std::string export_bills(const conformance::ScratchPostgresDatabase& database) {
    auto result = tr1l(database, {"export", "bills", "--month", kMonth});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  std::vector<std::string> worker_arguments() {
    return {TR1L_BINARY, "settle", "--month", kMonth, "--chunk-size", "200", "--partitions", "24", "--lease-seconds", "3"};
  }

  static std::int64_t bills_written(const std::string& output) {
    std::smatch match;
    std::string flattened = output;
    flattened.erase(std::remove(flattened.begin(), flattened.end(), ','), flattened.end());
    if (!std::regex_search(flattened, match, std::regex(R"((\d+) bills written by this process)"))) return -1;
    return std::stoll(match[1]);
  }

  static std::int64_t issued_count(const std::string& url) {
    adapters::postgres::PostgresDatabase observer(url);
    return observer.bills().count_bills(*domain::YearMonth::parse(kMonth)).issued;
  }

  static constexpr const char* kUsers = "40000";
  std::string server_url_;
  TemporaryDirectory directory_;
};

TEST_F(PostgresSettleCli, TwoWorkersSideBySideShareTheMonthAndBillEachCustomerOnce) {
  conformance::ScratchPostgresDatabase reference(server_url_);
  const std::string expected = seeded_and_exported_reference(reference);
  conformance::ScratchPostgresDatabase shared(server_url_);
  ASSERT_EQ(tr1l(shared, {"seed", "--users", kUsers, "--month", kMonth, "--seed", "5"}).exit_code, 0);

  ChildProcess first(worker_arguments(), environment(shared));
  ChildProcess second(worker_arguments(), environment(shared));
  const ProcessResult first_result = first.wait();
  const ProcessResult second_result = second.wait();
  ASSERT_EQ(first_result.exit_code, 0) << first_result.err;
  ASSERT_EQ(second_result.exit_code, 0) << second_result.err;

  EXPECT_GT(bills_written(first_result.out), 0) << first_result.out;
  EXPECT_GT(bills_written(second_result.out), 0) << second_result.out;
  const std::int64_t bill_rows = std::count(expected.begin(), expected.end(), '\n') - 1;
  EXPECT_EQ(bills_written(first_result.out) + bills_written(second_result.out), bill_rows);
  EXPECT_EQ(export_bills(shared), expected);
}

TEST_F(PostgresSettleCli, AWorkerKilledMidRunIsTakenOverAndTheMonthMatchesAnUninterruptedRun) {
  conformance::ScratchPostgresDatabase reference(server_url_);
  const std::string expected = seeded_and_exported_reference(reference);
  conformance::ScratchPostgresDatabase shared(server_url_);
  ASSERT_EQ(tr1l(shared, {"seed", "--users", kUsers, "--month", kMonth, "--seed", "5"}).exit_code, 0);

  ChildProcess doomed(worker_arguments(), environment(shared));
  ChildProcess survivor(worker_arguments(), environment(shared));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && doomed.running() && issued_count(shared.url()) < 4000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(doomed.running()) << "the worker finished before it could be killed";
  doomed.kill(SIGKILL);
  ASSERT_EQ(doomed.wait().exit_code, -SIGKILL);

  const ProcessResult survivor_result = survivor.wait();
  ASSERT_EQ(survivor_result.exit_code, 0) << survivor_result.err;
  // The survivor finishes the month, including the partition the dead worker held.
  EXPECT_EQ(export_bills(shared), expected);

  // A restarted worker finds the month done and changes nothing.
  ProcessResult restarted = tr1l(shared, {"settle", "--month", kMonth});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_NE(restarted.out.find("already settled"), std::string::npos) << restarted.out;
  EXPECT_EQ(export_bills(shared), expected);
}

TEST_F(PostgresSettleCli, TwoInvoiceWorkersSideBySideWriteExactlyOneReadyTargetPerIssuedBill) {
  conformance::ScratchPostgresDatabase shared(server_url_);
  ASSERT_EQ(tr1l(shared, {"seed", "--users", "6000", "--month", kMonth, "--seed", "8"}).exit_code, 0);
  ASSERT_EQ(tr1l(shared, {"settle", "--month", kMonth}).exit_code, 0);

  const std::vector<std::string> invoice_worker{TR1L_BINARY, "invoice", "--month", kMonth, "--chunk-size", "100"};
  ChildProcess first(invoice_worker, environment(shared));
  ChildProcess second(invoice_worker, environment(shared));
  const ProcessResult first_result = first.wait();
  const ProcessResult second_result = second.wait();
  ASSERT_EQ(first_result.exit_code, 0) << first_result.out << first_result.err;
  ASSERT_EQ(second_result.exit_code, 0) << second_result.out << second_result.err;

  adapters::postgres::PostgresDatabase database(shared.url());
  const auto month = *domain::YearMonth::parse(kMonth);
  std::int64_t ready = 0;
  std::set<ports::UserId> users;
  database.targets().for_each_target(month, [&](const ports::DispatchTarget& target) {
    EXPECT_EQ(target.status, "READY") << target.error;
    EXPECT_EQ(target.invoice_revision, 1);
    ready += target.status == "READY";
    users.insert(target.user_id);
  });
  EXPECT_EQ(ready, database.bills().count_bills(month).issued);
  EXPECT_EQ(static_cast<std::int64_t>(users.size()), ready);
}

}  // namespace
}  // namespace tr1l::app
