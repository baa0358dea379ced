// End-to-end tests of `tr1l seed / import / settle / export` through the real binary, including
// a settle worker killed with SIGKILL mid-run.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "adapters/sqlite/sqlite_database.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using tr1l::testing::ProcessResult;
using tr1l::testing::TemporaryDirectory;
using tr1l::testing::run_process;

constexpr const char* kMonth = "2026-10";

class SettleCli : public ::testing::Test {
 protected:
  std::map<std::string, std::string> environment_for(const std::filesystem::path& home) {
    return {{"TR1L_HOME", home.string()}, {"TR1L_DATABASE_URL", ""}, {"TR1L_KEYS", ""}, {"TR1L_KEY_FILE", ""}};
  }

  ProcessResult tr1l(const std::filesystem::path& home, std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), TR1L_BINARY);
    return run_process(arguments, environment_for(home));
  }

  void expect_success(const ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << "stdout:\n" << result.out << "\nstderr:\n" << result.err;
  }

  std::string export_bills(const std::filesystem::path& home) {
    auto result = tr1l(home, {"export", "bills", "--month", kMonth});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  static std::size_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

  TemporaryDirectory directory_;
};

TEST_F(SettleCli, SettlesSeededCustomersAndARerunChangesNothing) {
  const auto home = directory_.path() / "home";
  expect_success(tr1l(home, {"seed", "--users", "3000", "--month", kMonth, "--seed", "7"}));
  auto first = tr1l(home, {"settle", "--month", kMonth});
  expect_success(first);
  EXPECT_NE(first.out.find("ISSUED"), std::string::npos) << first.out;
  const std::string bills = export_bills(home);
  EXPECT_EQ(bills.substr(0, bills.find('\n')),
            "user_id,status,plan_charge,excess_data,addons,subtotal,contract_discount,military_discount,"
            "welfare_discount,total,supply_value,vat,error_code");
  // Billable customers only: some seeded customers are withdrawn, banned, staff or plan-less.
  EXPECT_GT(count_lines(bills), 2500u);
  EXPECT_LT(count_lines(bills), 3001u);

  auto second = tr1l(home, {"settle", "--month", kMonth});
  expect_success(second);
  EXPECT_NE(second.out.find("already settled"), std::string::npos) << second.out;
  EXPECT_EQ(export_bills(home), bills);
}

TEST_F(SettleCli, ImportOfSeedCsvBillsExactlyLikeADirectSeed) {
  const auto seeded_home = directory_.path() / "seeded";
  const auto imported_home = directory_.path() / "imported";
  const auto csv_directory = directory_.path() / "csv";
  expect_success(tr1l(seeded_home, {"seed", "--users", "2000", "--month", kMonth, "--seed", "11"}));
  expect_success(tr1l(imported_home, {"seed", "--users", "2000", "--month", kMonth, "--seed", "11", "--csv",
                                      csv_directory.string()}));
  auto imported = tr1l(imported_home, {"import", csv_directory.string()});
  expect_success(imported);
  expect_success(tr1l(seeded_home, {"settle", "--month", kMonth}));
  expect_success(tr1l(imported_home, {"settle", "--month", kMonth}));
  EXPECT_EQ(export_bills(imported_home), export_bills(seeded_home));
}

TEST_F(SettleCli, ImportRejectsBadRowsWithReasonsAndBillsTheGoodOnes) {
  const auto home = directory_.path() / "home";
  const auto csv_directory = directory_.path() / "csv";
  std::filesystem::create_directories(csv_directory);
  {
    std::ofstream customers(csv_directory / "customers.csv");
    customers << "user_id,name,birth_date,email,phone,plan_code,welfare_code,status,role,send_day,quiet_from,quiet_to\n"
              << "1,김민준,1990-01-01,minjun@example.com,010-1234-5678,PLN-043,WLF-03,ACTIVE,USER,5,22,7\n"
              << "2,이서연,1991-02-02,seoyeon@example.com,,PLN-999,,ACTIVE,USER,,,\n"
              << "3,박지훈,1992-03-03,not-an-email,,PLN-001,,ACTIVE,USER,,,\n"
              << "4,최유진,1993-04-04,,010-2222-3333,PLN-002,,ACTIVE,USER,31,,\n";
    std::ofstream usage(csv_directory / "usage.csv");
    usage << "user_id,month,used_mb\n1,2026-10,3800\n4,2026-10,-5\n";
    std::ofstream contracts(csv_directory / "contracts.csv");
    contracts << "user_id,start_date,end_date\n1,2025-03-01,2027-03-01\n4,2026-05-01,2026-04-01\n";
  }
  auto imported = tr1l(home, {"import", csv_directory.string()});
  EXPECT_EQ(imported.exit_code, 3) << imported.out << imported.err;
  const std::string rejects = tr1l::testing::read_text_file(csv_directory / "rejects.csv");
  EXPECT_NE(rejects.find("customers.csv,3,plan_code"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("customers.csv,4,email"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("usage.csv,3,used_mb"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("contracts.csv,3,end_date"), std::string::npos) << rejects;

  expect_success(tr1l(home, {"settle", "--month", kMonth}));
  const std::string bills = export_bills(home);
  // Customers 1 and 4 loaded and are billed; 1 is the worked example of SPEC §4 without add-ons
  // or military service: 33,000 + 632 excess, contract 8,250, welfare floor(25,382 x 0.35) = 8,883.
  EXPECT_NE(bills.find("\n1,ISSUED,33000,632,0,33632,8250,0,8883,16499,14999,1500,\n"), std::string::npos) << bills;
  EXPECT_NE(bills.find("\n4,ISSUED,75000,0,0,75000,0,0,0,75000,68181,6819,\n"), std::string::npos) << bills;
  EXPECT_EQ(count_lines(bills), 3u);
}

TEST_F(SettleCli, SettleKilledMidRunResumesToTheBillsOfAnUninterruptedRun) {
  const auto reference_home = directory_.path() / "reference";
  const auto crashed_home = directory_.path() / "crashed";
  expect_success(tr1l(reference_home, {"seed", "--users", "60000", "--month", kMonth, "--seed", "3"}));
  std::filesystem::copy(reference_home, crashed_home, std::filesystem::copy_options::recursive);

  expect_success(tr1l(reference_home, {"settle", "--month", kMonth}));
  const std::string reference_bills = export_bills(reference_home);

  // Small chunks so the kill lands between many commits.
  tr1l::testing::ChildProcess worker(
      {TR1L_BINARY, "settle", "--month", kMonth, "--chunk-size", "100"}, environment_for(crashed_home));
  adapters::sqlite::SqliteDatabase observer((crashed_home / "tr1l.db").string());
  const auto month = *domain::YearMonth::parse(kMonth);
  std::int64_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && worker.running()) {
    try {
      seen = observer.bills().count_bills(month).issued;
    } catch (const std::exception&) {
      seen = 0;  // schema not created yet
    }
    if (seen >= 5000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(worker.running()) << "settle finished before it could be killed";
  worker.kill(SIGKILL);
  ASSERT_EQ(worker.wait().exit_code, -SIGKILL);
  const std::string partial = export_bills(crashed_home);
  ASSERT_LT(count_lines(partial), count_lines(reference_bills)) << "the kill should leave the month unfinished";

  auto resumed = tr1l(crashed_home, {"settle", "--month", kMonth});
  expect_success(resumed);
  EXPECT_EQ(export_bills(crashed_home), reference_bills);
}

}  // namespace
}  // namespace tr1l::app
