// A small world for the dispatch and delivery unit tests (included only by *_test.cpp): a
// SQLite database and an invoice directory in a temporary directory, a fixed key ring, targets
// written the way the invoice job writes them (destinations encrypted for their row, documents
// stored with size and SHA-256), and a channel sender that records what it was asked to send.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "adapters/localfs/local_object_store.h"
#include "adapters/sqlite/sqlite_database.h"
#include "common/local_time.h"
#include "common/sha256_hex.h"
#include "crypto/pii_cipher.h"
#include "ingest/ingest_test_support.h"
#include "common/gzip.h"
#include "invoicing/invoice_job.h"
#include "ports/channel_sender.h"
#include "ports/delivery_store.h"
#include "support/subprocess.h"

namespace tr1l::delivery::testing {

inline const domain::YearMonth kOctober{2026, 10};

// target(7).no_email().day(5).quiet(22, 7)
struct TargetSpec {
  ports::UserId user_id = 0;
  bool email = true;
  bool phone = true;
  std::optional<int> send_day;
  std::optional<int> quiet_from;
  std::optional<int> quiet_to;

  TargetSpec& no_email() {
    email = false;
    return *this;
  }
  TargetSpec& no_phone() {
    phone = false;
    return *this;
  }
  TargetSpec& day(int value) {
    send_day = value;
    return *this;
  }
  TargetSpec& quiet(int from, int to) {
    quiet_from = from;
    quiet_to = to;
    return *this;
  }
};

inline TargetSpec target(ports::UserId user_id) {
  TargetSpec spec;
  spec.user_id = user_id;
  return spec;
}

inline std::string email_of(ports::UserId user_id) { return "customer" + std::to_string(user_id) + "@example.com"; }
inline std::string phone_of(ports::UserId user_id) { return fmt::format("010-{:04}-{:04}", user_id % 10000, 5678); }
inline std::string html_of(ports::UserId user_id) {
  return "<html lang=\"ko\"><body>청구서 " + std::to_string(user_id) + " 합계 ₩52,000</body></html>";
}
inline std::string sms_of(ports::UserId user_id) { return "[TR1L] 10월 요금 52,000원 #" + std::to_string(user_id); }

// SQLite that says its writers run in parallel, so that the delivery service records outcomes
// on a thread and connection of their own, as it does on PostgreSQL (SQLite has the two writers
// take turns, which changes the timing, not the outcome).
class SqliteClaimingParallelWrites final : public adapters::sqlite::SqliteDatabase {
 public:
  using SqliteDatabase::SqliteDatabase;
  bool writes_in_parallel() const override { return true; }
};

class DeliveryWorld {
 public:
  explicit DeliveryWorld(bool parallel_writes = false) : cipher_(keys_), parallel_writes_(parallel_writes) {
    use_time_zone("Asia/Seoul");
    database_ = open_database();
    database_->migrate();
  }

  std::string database_path() const { return (directory_.path() / "tr1l.db").string(); }
  std::unique_ptr<ports::Database> open_database() const {
    if (parallel_writes_) return std::make_unique<SqliteClaimingParallelWrites>(database_path());
    return std::make_unique<adapters::sqlite::SqliteDatabase>(database_path());
  }
  ports::DatabaseFactory database_factory() const {
    return [this] { return open_database(); };
  }
  invoicing::ObjectStoreFactory object_store_factory() const {
    return [this] { return std::make_unique<adapters::localfs::LocalObjectStore>(invoice_root()); };
  }
  std::filesystem::path invoice_root() const { return directory_.path() / "invoices"; }
  ports::Database& database() { return *database_; }
  const crypto::PiiCipher& cipher() const { return cipher_; }

  void add_targets(const std::vector<TargetSpec>& specs) {
    adapters::localfs::LocalObjectStore store(invoice_root());
    std::vector<ports::DispatchTarget> targets;
    for (const TargetSpec& spec : specs) {
      ports::DispatchTarget target;
      target.month = kOctober;
      target.user_id = spec.user_id;
      const std::string row = invoicing::target_row_key(kOctober, spec.user_id);
      if (spec.email) {
        target.email_ciphertext = cipher_.encrypt(email_of(spec.user_id), {"dispatch_target", "email", row});
        target.email_object = put(store, invoicing::email_object_key(kOctober, spec.user_id),
                                  common::gzip(html_of(spec.user_id)));
      }
      if (spec.phone) {
        target.phone_ciphertext = cipher_.encrypt(phone_of(spec.user_id), {"dispatch_target", "phone", row});
        target.sms_object = put(store, invoicing::sms_object_key(kOctober, spec.user_id), sms_of(spec.user_id));
      }
      target.send_day = spec.send_day;
      target.quiet_from = spec.quiet_from;
      target.quiet_to = spec.quiet_to;
      targets.push_back(std::move(target));
    }
    database_->targets().store_targets(targets);
  }

  std::string status_of(ports::UserId user_id) {
    return database_->targets().find_target(kOctober, user_id).value().status;
  }

 private:
  static ports::StoredObjectReference put(ports::ObjectStore& store, const std::string& key, const std::string& body) {
    ports::PutRequest request{key, body, "application/octet-stream", std::nullopt};
    auto result = store.put_many(std::span<const ports::PutRequest>(&request, 1)).at(0);
    if (!result.stored) throw std::runtime_error(result.error);
    return {store.bucket(), key, result.size, result.sha256_hex};
  }

  tr1l::testing::TemporaryDirectory directory_;
  ingest::testing::TestKeyRing keys_;
  crypto::PiiCipher cipher_;
  bool parallel_writes_;
  std::unique_ptr<ports::Database> database_;
};

// Records every message; fails the users listed in `failing` and counts concurrent sends.
class RecordingSender final : public ports::ChannelSender {
 public:
  std::string_view name() const override { return "recording"; }
  ports::SendResult send(const ports::OutgoingMessage& message) override {
    int now_in_flight = ++in_flight_;
    int seen = maximum_in_flight_.load();
    while (now_in_flight > seen && !maximum_in_flight_.compare_exchange_weak(seen, now_in_flight)) {
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    --in_flight_;
    std::lock_guard lock(mutex_);
    if (failing.contains(message.user_id)) return {false, "refused by test"};
    messages_.push_back(message);
    return {true, ""};
  }
  std::vector<ports::OutgoingMessage> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  int maximum_in_flight() const { return maximum_in_flight_; }

  std::set<ports::UserId> failing;
  std::chrono::milliseconds delay{0};

 private:
  mutable std::mutex mutex_;
  std::vector<ports::OutgoingMessage> messages_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> maximum_in_flight_{0};
};

inline std::chrono::sys_seconds local(int month, int day, int hour) {
  return from_local({{2026, month, day}, hour, 0});
}

}  // namespace tr1l::delivery::testing
