// Settlement and invoicing jobs end to end on an SQLite file and a local invoice directory, in
// process, so the sanitizer build runs them too (worker threads, partition hand-off, lifetimes).
#include "invoicing/invoice_job.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "adapters/localfs/local_object_store.h"
#include "adapters/sqlite/sqlite_database.h"
#include "adapters/sqlite/sqlite_handle.h"
#include "common/embedded_resources.h"
#include "domain/masking.h"
#include "ingest/default_catalog.h"
#include "ingest/ingest_test_support.h"
#include "ingest/seed_output.h"
#include "invoicing/euc_kr.h"
#include "settlement/settlement_job.h"
#include "support/subprocess.h"

namespace tr1l::invoicing {
namespace {

const domain::YearMonth kMonth{2026, 10};

std::string zlib_gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 16 + MAX_WBITS), Z_OK);
  std::string output(compressed.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  output.resize(stream.total_out);
  inflateEnd(&stream);
  return output;
}

class InvoiceJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_path_ = (directory_.path() / "tr1l.db").string();
    open_database_ = [this] {
      auto database = std::make_unique<adapters::sqlite::SqliteDatabase>(database_path_);
      database->migrate();
      return std::unique_ptr<ports::Database>(std::move(database));
    };
    open_store_ = [this] { return std::make_unique<adapters::localfs::LocalObjectStore>(directory_.path() / "invoices"); };
    auto database = open_database_();
    ingest::load_seed({600, kMonth, 9}, cipher_, database->customers());
    settlement::SettlementOptions settle_options;
    settle_options.month = kMonth;
    settle_options.chunk_size = 50;
    settle_options.threads = 2;
    settle_options.partitions = 7;
    const auto settled = settlement::SettlementJob(open_database_, ingest::default_catalog(), cipher_).run(settle_options);
    ASSERT_EQ(settled.settled_here, settled.issued + settled.failed);
    issued_ = settled.issued;
  }

  InvoiceOptions options() {
    InvoiceOptions options;
    options.month = kMonth;
    options.chunk_size = 40;
    options.threads = 2;
    options.partitions = 5;
    options.settings = default_invoice_settings(kMonth);
    return options;
  }

  std::vector<ports::DispatchTarget> targets() {
    std::vector<ports::DispatchTarget> all;
    open_database_()->targets().for_each_target(kMonth, [&](const ports::DispatchTarget& target) { all.push_back(target); });
    return all;
  }

  tr1l::testing::TemporaryDirectory directory_;
  std::string database_path_;
  ports::DatabaseFactory open_database_;
  ObjectStoreFactory open_store_;
  ingest::testing::TestKeyRing keys_;
  crypto::PiiCipher cipher_{keys_};
  InvoiceRenderer renderer_;
  std::int64_t issued_ = 0;
};

TEST_F(InvoiceJobTest, EveryIssuedBillGetsBothDocumentsAndOneReadyTarget) {
  InvoiceJob job(open_database_, open_store_, cipher_, renderer_);
  const auto summary = job.run(options());
  EXPECT_EQ(summary.ready_here, issued_);
  EXPECT_EQ(summary.failed_here, 0);
  EXPECT_EQ(summary.objects_stored, 2 * issued_);

  auto store = open_store_();
  auto database = open_database_();
  std::map<ports::UserId, domain::Bill> bills;
  database->bills().for_each_bill(kMonth, [&](const domain::Bill& bill) { bills[bill.user_id] = bill; });
  const auto all = targets();
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), issued_);
  for (const auto& target : all) {
    SCOPED_TRACE("user " + std::to_string(target.user_id));
    EXPECT_EQ(target.status, "READY");
    EXPECT_EQ(target.invoice_revision, 1);
    ASSERT_TRUE(target.email_object && target.sms_object);
    EXPECT_EQ(target.email_object->key, email_object_key(kMonth, target.user_id));
    const std::string html = zlib_gunzip(fetch_verified(*store, *target.email_object));
    const std::string sms = fetch_verified(*store, *target.sms_object);
    const domain::Bill& bill = bills.at(target.user_id);
    EXPECT_NE(html.find(domain::format_grouped(bill.total)), std::string::npos);
    EXPECT_NE(html.find("lang=\"ko\""), std::string::npos);
    EXPECT_LE(euc_kr_length(sms), 90u) << sms;
    EXPECT_NE(sms.find(domain::format_grouped(bill.total) + "원"), std::string::npos) << sms;
    // Destinations are re-encrypted for the target row and still decrypt to the customer's.
    const std::string row = target_row_key(kMonth, target.user_id);
    if (target.phone_ciphertext) {
      const std::string phone = cipher_.decrypt(*target.phone_ciphertext, {"dispatch_target", "phone", row});
      EXPECT_EQ(html.find(phone), std::string::npos) << "plaintext phone in the invoice";
      EXPECT_NE(html.find(domain::mask_phone(phone)), std::string::npos);
    }
    if (target.email_ciphertext) {
      const std::string email = cipher_.decrypt(*target.email_ciphertext, {"dispatch_target", "email", row});
      EXPECT_EQ(html.find(email), std::string::npos) << "plaintext e-mail in the invoice";
    }
  }
}

TEST_F(InvoiceJobTest, ARerunAddsNothingAndTargetedRunsBumpTheRevisionButNeverReopenDelivered) {
  InvoiceJob job(open_database_, open_store_, cipher_, renderer_);
  job.run(options());
  const auto before = targets();
  const auto rerun = job.run(options());
  EXPECT_TRUE(rerun.already_completed);
  EXPECT_EQ(rerun.objects_stored, 0);
  ASSERT_EQ(targets().size(), before.size());

  const ports::UserId first = before.front().user_id;
  const ports::UserId second = before.back().user_id;
  {  // Delivery takes `second` over (status outside READY/FAILED).
    adapters::sqlite::Connection connection(database_path_);
    connection.execute("UPDATE dispatch_target SET status = 'SENT' WHERE user_id = " + std::to_string(second));
  }
  auto targeted = options();
  targeted.selection = InvoiceSelection::Users;
  targeted.users = {first, second};
  const auto summary = job.run(targeted);
  EXPECT_EQ(summary.ready_here, 1);
  EXPECT_EQ(summary.skipped_delivered, 1);
  auto database = open_database_();
  EXPECT_EQ(database->targets().find_target(kMonth, first)->invoice_revision, 2);
  EXPECT_EQ(database->targets().find_target(kMonth, second)->invoice_revision, 1);
  EXPECT_EQ(database->targets().find_target(kMonth, second)->status, "SENT");
}

TEST_F(InvoiceJobTest, AContactThatFailsAuthenticationGivesAFailedTargetAndOnlyFailedRetries) {
  ports::UserId victim = 0;
  {
    auto database = open_database_();
    database->bills().for_each_bill(kMonth, [&](const domain::Bill& bill) {
      if (victim == 0 && bill.status == domain::BillStatus::Issued) victim = bill.user_id;
    });
    // Swap in a ciphertext written for another row: well-formed, but bound elsewhere.
    const std::string foreign = cipher_.encrypt("010-1111-2222", {"customer", "phone", "999999"});
    database->customers().update_contacts(std::vector<ports::ContactCiphertexts>{{victim, std::nullopt, foreign}});
  }
  InvoiceJob job(open_database_, open_store_, cipher_, renderer_);
  const auto summary = job.run(options());
  EXPECT_EQ(summary.failed_here, 1);
  EXPECT_EQ(summary.ready_here, issued_ - 1);
  auto failed = open_database_()->targets().find_target(kMonth, victim);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "FAILED");
  EXPECT_NE(failed->error.find("customer.phone"), std::string::npos) << failed->error;
  EXPECT_EQ(failed->error.find("010-1111-2222"), std::string::npos) << failed->error;

  auto only_failed = options();
  only_failed.selection = InvoiceSelection::FailedOnly;
  const auto retried = job.run(only_failed);
  EXPECT_EQ(retried.failed_here, 1);  // still broken: retried, not skipped
  EXPECT_EQ(retried.ready_here, 0);
  EXPECT_EQ(open_database_()->targets().find_target(kMonth, victim)->invoice_revision, 2);
}

TEST_F(InvoiceJobTest, ATamperedObjectIsDetectedByItsHash) {
  InvoiceJob(open_database_, open_store_, cipher_, renderer_).run(options());
  const auto target = targets().front();
  auto store = open_store_();
  std::vector<ports::PutRequest> tamper{{target.sms_object->key, "[TR1L] pay to another account", "text/plain", std::nullopt}};
  ASSERT_TRUE(store->put_many(tamper).front().stored);
  EXPECT_THROW(fetch_verified(*store, *target.sms_object), ports::ObjectStoreError);
}

TEST_F(InvoiceJobTest, InvoicingAnUnsettledMonthIsAClearError) {
  InvoiceJob job(open_database_, open_store_, cipher_, renderer_);
  auto november = options();
  november.month = domain::YearMonth{2026, 11};
  november.settings = default_invoice_settings(november.month);
  try {
    job.run(november);
    FAIL() << "expected InvoiceError";
  } catch (const InvoiceError& error) {
    EXPECT_NE(std::string(error.what()).find("2026-11 is not settled"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tr1l::invoicing
