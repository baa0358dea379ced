// `tr1l invoice` through the real binary: SIGKILL mid-run and resume on the embedded default,
// and uploads to a real MinIO server with least-privilege identities.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "adapters/s3/s3_location.h"
#include "adapters/s3/s3_object_store.h"
#include "adapters/sqlite/sqlite_database.h"
#include "invoicing/invoice_job.h"
#include "ports/dispatch_targets.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using tr1l::testing::ProcessResult;
using tr1l::testing::TemporaryDirectory;

constexpr const char* kMonth = "2026-10";
const domain::YearMonth kBillingMonth{2026, 10};

class InvoiceCli : public ::testing::Test {
 protected:
  std::map<std::string, std::string> environment() {
    return {{"TR1L_HOME", home().string()}, {"TR1L_DATABASE_URL", ""}, {"TR1L_KEYS", ""}, {"TR1L_KEY_FILE", ""},
            {"TR1L_OBJECT_STORE", ""}};
  }
  std::filesystem::path home() { return directory_.path() / "home"; }

  ProcessResult tr1l(std::vector<std::string> arguments, const std::map<std::string, std::string>& overrides = {}) {
    arguments.insert(arguments.begin(), TR1L_BINARY);
    auto environment_variables = environment();
    for (const auto& [name, value] : overrides) environment_variables[name] = value;
    return tr1l::testing::run_process(arguments, environment_variables);
  }

  void seed_and_settle(const char* users) {
    auto seeded = tr1l({"seed", "--users", users, "--month", kMonth, "--seed", "21"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
    auto settled = tr1l({"settle", "--month", kMonth});
    ASSERT_EQ(settled.exit_code, 0) << settled.err;
  }

  std::vector<ports::DispatchTarget> targets() {
    adapters::sqlite::SqliteDatabase database((home() / "tr1l.db").string());
    std::vector<ports::DispatchTarget> all;
    database.targets().for_each_target(kBillingMonth, [&](const ports::DispatchTarget& target) { all.push_back(target); });
    return all;
  }

  std::int64_t issued() {
    adapters::sqlite::SqliteDatabase database((home() / "tr1l.db").string());
    return database.bills().count_bills(kBillingMonth).issued;
  }

  TemporaryDirectory directory_;
};

TEST_F(InvoiceCli, KilledMidRunResumesWithBothObjectsAndExactlyOneReadyTargetPerBill) {
  seed_and_settle("12000");
  tr1l::testing::ChildProcess worker({TR1L_BINARY, "invoice", "--month", kMonth, "--chunk-size", "40"}, environment());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::size_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline && worker.running()) {
    try {
      seen = targets().size();
    } catch (const std::exception&) {
      seen = 0;
    }
    if (seen >= 1500) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(worker.running()) << "invoice finished before it could be killed";
  worker.kill(SIGKILL);
  ASSERT_EQ(worker.wait().exit_code, -SIGKILL);
  ASSERT_LT(static_cast<std::int64_t>(targets().size()), issued());

  auto resumed = tr1l({"invoice", "--month", kMonth});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  const auto all = targets();
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), issued());
  for (const auto& target : all) {
    ASSERT_EQ(target.status, "READY") << target.user_id;
    for (const auto& object : {*target.email_object, *target.sms_object}) {
      const auto path = home() / "invoices" / object.key;
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      EXPECT_EQ(static_cast<std::int64_t>(std::filesystem::file_size(path)), object.size) << path;
    }
  }
  auto again = tr1l({"invoice", "--month", kMonth});
  EXPECT_NE(again.out.find("already invoiced"), std::string::npos) << again.out;
}

// MinIO started by `make test` (scripts/servers/minio.sh): bucket, writer and reader identities.
class MinioInvoiceCli : public InvoiceCli {
 protected:
  void SetUp() override {
    for (const char* name : {"TR1L_TEST_S3_ENDPOINT", "TR1L_TEST_S3_BUCKET", "TR1L_TEST_S3_WRITER_ACCESS_KEY",
                             "TR1L_TEST_S3_WRITER_SECRET_KEY", "TR1L_TEST_S3_READER_ACCESS_KEY",
                             "TR1L_TEST_S3_READER_SECRET_KEY"}) {
      if (std::getenv(name) == nullptr) {
        if (std::getenv("TR1L_REQUIRE_SERVERS") != nullptr) FAIL() << name << " is not set";
        GTEST_SKIP() << name << " is not set; start MinIO with scripts/servers/minio.sh";
      }
    }
    const char* region = std::getenv("TR1L_TEST_S3_REGION");
    url_ = std::string("s3://") + std::getenv("TR1L_TEST_S3_BUCKET") + "?endpoint=" + std::getenv("TR1L_TEST_S3_ENDPOINT") +
           "&region=" + (region ? region : "us-east-1") + "&path_style=1";
  }

  std::map<std::string, std::string> identity(const char* who, std::string secret = "") {
    const std::string prefix = std::string("TR1L_TEST_S3_") + who;
    if (secret.empty()) secret = std::getenv((prefix + "_SECRET_KEY").c_str());
    return {{"TR1L_OBJECT_STORE", url_},
            {"AWS_ACCESS_KEY_ID", std::getenv((prefix + "_ACCESS_KEY").c_str())},
            {"AWS_SECRET_ACCESS_KEY", secret},
            {"AWS_SHARED_CREDENTIALS_FILE", (directory_.path() / "no-credentials").string()}};
  }

  std::string url_;
};

TEST_F(MinioInvoiceCli, TheWriterUploadsEveryInvoiceAndTheReaderGetsThemBackIntact) {
  seed_and_settle("300");
  auto invoiced = tr1l({"invoice", "--month", kMonth}, identity("WRITER"));
  ASSERT_EQ(invoiced.exit_code, 0) << invoiced.out << invoiced.err;
  const auto all = targets();
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), issued());

  adapters::s3::S3ObjectStore reader(adapters::s3::parse_s3_location(url_),
                                     {std::getenv("TR1L_TEST_S3_READER_ACCESS_KEY"),
                                      std::getenv("TR1L_TEST_S3_READER_SECRET_KEY"), "", "test"});
  for (const auto& target : all) {
    ASSERT_EQ(target.status, "READY") << target.error;
    EXPECT_EQ(target.email_object->bucket, std::getenv("TR1L_TEST_S3_BUCKET"));
    EXPECT_NO_THROW(invoicing::fetch_verified(reader, *target.email_object));
    EXPECT_NO_THROW(invoicing::fetch_verified(reader, *target.sms_object));
  }
}

TEST_F(MinioInvoiceCli, AWrongSecretIsAClear403AndNothingIsMarkedReady) {
  seed_and_settle("60");
  const std::string wrong_secret = "not-the-secret-0123456789";
  auto invoiced = tr1l({"invoice", "--month", kMonth}, identity("WRITER", wrong_secret));
  EXPECT_EQ(invoiced.exit_code, 3) << invoiced.out << invoiced.err;
  EXPECT_EQ(invoiced.out.find(wrong_secret), std::string::npos);
  EXPECT_EQ(invoiced.err.find(wrong_secret), std::string::npos);
  const auto all = targets();
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), issued());
  for (const auto& target : all) {
    EXPECT_EQ(target.status, "FAILED");
    EXPECT_NE(target.error.find("403"), std::string::npos) << target.error;
    EXPECT_NE(target.error.find("SignatureDoesNotMatch"), std::string::npos) << target.error;
    EXPECT_EQ(target.error.find(wrong_secret), std::string::npos);
  }
  // With the right secret, only the failed targets are regenerated and become READY.
  auto retried = tr1l({"invoice", "--month", kMonth, "--only", "failed"}, identity("WRITER"));
  ASSERT_EQ(retried.exit_code, 0) << retried.out << retried.err;
  for (const auto& target : targets()) {
    EXPECT_EQ(target.status, "READY") << target.error;
    EXPECT_EQ(target.invoice_revision, 2);
  }
}

TEST_F(MinioInvoiceCli, TheReaderIdentityCannotUploadInvoices) {
  seed_and_settle("30");
  auto invoiced = tr1l({"invoice", "--month", kMonth}, identity("READER"));
  EXPECT_EQ(invoiced.exit_code, 3) << invoiced.out << invoiced.err;
  for (const auto& target : targets()) {
    EXPECT_EQ(target.status, "FAILED");
    EXPECT_NE(target.error.find("403 AccessDenied"), std::string::npos) << target.error;
  }
}

}  // namespace
}  // namespace tr1l::app
