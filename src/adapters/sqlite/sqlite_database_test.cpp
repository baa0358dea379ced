// The shared backend conformance suite (tests/support/database_conformance.h) on SQLite files, and
// what only SQLite shows: rebuilding dispatch_target in migration 0003, dispatchers sharing a file.
#include "adapters/sqlite/sqlite_database.h"

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "adapters/sqlite/sqlite_handle.h"
#include "common/embedded_resources.h"
#include "ports/delivery_store.h"
#include "ports/dispatch_targets.h"
#include "support/database_conformance.h"
#include "support/subprocess.h"

namespace {

// Each test gets its own database file in its own directory, removed with the test.
class DatabaseInDirectory final : public tr1l::adapters::sqlite::SqliteDatabase {
 public:
  explicit DatabaseInDirectory(std::unique_ptr<tr1l::testing::TemporaryDirectory> directory)
      : SqliteDatabase((directory->path() / "tr1l.db").string()), directory_(std::move(directory)) {}

  std::string path() const { return (directory_->path() / "tr1l.db").string(); }

 private:
  std::unique_ptr<tr1l::testing::TemporaryDirectory> directory_;
};

std::unique_ptr<tr1l::ports::Database> open_fresh_sqlite_database() {
  auto database = std::make_unique<DatabaseInDirectory>(std::make_unique<tr1l::testing::TemporaryDirectory>());
  database->migrate();
  return database;
}

// A second connection to the same file, as dispatch would write the status from another process.
void force_sqlite_target_status(tr1l::ports::Database& database, const tr1l::domain::YearMonth& month,
                                tr1l::ports::UserId user_id, const std::string& status) {
  auto* in_directory = dynamic_cast<DatabaseInDirectory*>(&database);
  if (in_directory == nullptr) throw std::logic_error("force_sqlite_target_status: not a conformance database");
  tr1l::adapters::sqlite::Connection connection(in_directory->path());
  tr1l::adapters::sqlite::Statement update(connection,
                                           "UPDATE dispatch_target SET status = ? WHERE month = ? AND user_id = ?");
  update.bind(1, status).bind(2, month.to_string()).bind(3, user_id).run();
  if (sqlite3_changes(connection.handle()) != 1) throw std::logic_error("force_sqlite_target_status: no such target");
}

void execute_sqlite(tr1l::ports::Database& database, const std::string& sql) {
  auto* in_directory = dynamic_cast<DatabaseInDirectory*>(&database);
  if (in_directory == nullptr) throw std::logic_error("execute_sqlite: not a conformance database");
  tr1l::adapters::sqlite::Connection connection(in_directory->path());
  connection.execute(sql);
}

}  // namespace

namespace tr1l::adapters::sqlite {
namespace {

// A file migrated by an older binary (up to 0002) keeps its dispatch targets through 0003, which
// rebuilds dispatch_target to add the delivery columns and the status CHECK.
TEST(SqliteMigration, DispatchTargetsWrittenBeforeTheDeliveryMigrationSurviveIt) {
  testing::TemporaryDirectory directory;
  const std::string path = (directory.path() / "tr1l.db").string();
  {
    Connection connection(path);
    connection.execute("CREATE TABLE schema_migration (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const char* name : {"migrations/sqlite/0001_initial.sql", "migrations/sqlite/0002_dispatch_target.sql"}) {
      connection.execute(std::string(*embedded::find(name)));
      Statement record(connection, "INSERT INTO schema_migration (version, applied_at) VALUES (?, 'then')");
      record.bind(1, std::string_view(name)).run();
    }
    connection.execute(
        "INSERT INTO dispatch_target (month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext, "
        "email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256, send_day, "
        "quiet_from, quiet_to, error, updated_at) VALUES "
        "('2026-10', 7, 'READY', 2, x'00ff', x'01', 'b', 'k', 10, 'aa', '', 's', 3, 'bb', 31, 22, 7, NULL, 'then'), "
        "('2026-10', 8, 'FAILED', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
        "'cannot render', 'then')");
  }
  SqliteDatabase database(path);
  database.migrate();
  const domain::YearMonth october{2026, 10};
  auto ready = database.targets().find_target(october, 7);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, "READY");
  EXPECT_EQ(ready->invoice_revision, 2);
  EXPECT_EQ(ready->email_ciphertext, std::string("\0\xff", 2));
  ASSERT_TRUE(ready->email_object.has_value());
  EXPECT_EQ(ready->email_object->key, "k");
  ASSERT_TRUE(ready->sms_object.has_value());
  EXPECT_EQ(ready->sms_object->bucket, "");
  EXPECT_EQ(ready->send_day, 31);
  EXPECT_EQ(ready->quiet_from, 22);
  EXPECT_EQ(ready->quiet_to, 7);
  EXPECT_EQ(database.targets().find_target(october, 8)->error, "cannot render");
  EXPECT_EQ(database.deliveries().count_targets_by_status(october),
            (std::map<std::string, std::int64_t>{{"FAILED", 1}, {"READY", 1}}));
  // The rebuilt table is the one the dispatcher claims from.
  EXPECT_EQ(database.deliveries()
                .claim_due_targets({october, 0, 31, 12, 10},
                                   [](const ports::DueTarget& due) {
                                     ports::DispatchDecision decision;
                                     decision.policy_version = 1;
                                     decision.round = due.round;
                                     return decision;
                                   })
                .size(),
            1u);
}

// Two dispatchers on one file: BEGIN IMMEDIATE serialises their claims, so they claim disjoint
// sets that together are every due target.
TEST(SqliteDispatch, ConcurrentDispatchersOnOneFileClaimEachTargetOnce) {
  testing::TemporaryDirectory directory;
  const std::string path = (directory.path() / "tr1l.db").string();
  const domain::YearMonth october{2026, 10};
  constexpr ports::UserId kTargets = 3000;
  {
    SqliteDatabase setup(path);
    setup.migrate();
    std::vector<ports::DispatchTarget> targets;
    for (ports::UserId id = 1; id <= kTargets; ++id) {
      ports::DispatchTarget target;
      target.month = october;
      target.user_id = id;
      target.phone_ciphertext = "phone";
      target.sms_object = ports::StoredObjectReference{"", "sms", 1, "ab"};
      targets.push_back(target);
    }
    setup.targets().store_targets(targets);
  }
  auto decide = [](const ports::DueTarget& due) {
    ports::DispatchDecision decision;
    decision.policy_version = 1;
    decision.round = due.round;
    decision.channel = domain::Channel::Sms;
    return decision;
  };
  std::vector<ports::UserId> claimed[2];
  std::string failure;
  std::mutex failure_mutex;
  std::vector<std::thread> threads;
  for (int index = 0; index < 2; ++index) {
    threads.emplace_back([&, index] {
      try {
        SqliteDatabase database(path);
        for (;;) {
          auto requests = database.deliveries().claim_due_targets({october, 0, 31, 12, 25}, decide);
          if (requests.empty()) break;
          for (const auto& request : requests) claimed[index].push_back(request.user_id);
        }
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        failure = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failure, "");
  std::set<ports::UserId> all;
  for (const auto& mine : claimed) {
    for (ports::UserId user : mine) EXPECT_TRUE(all.insert(user).second) << "user " << user << " claimed twice";
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kTargets));
}

}  // namespace
}  // namespace tr1l::adapters::sqlite

TR1L_INSTANTIATE_DATABASE_CONFORMANCE(Sqlite, tr1l::conformance::DatabaseBackend{"sqlite", open_fresh_sqlite_database,
                                                                                 force_sqlite_target_status,
                                                                                 execute_sqlite,
                                                                                 /*server_cpu_seconds=*/{}})
