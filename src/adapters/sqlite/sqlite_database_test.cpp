// The shared backend conformance suite (tests/support/database_conformance.h) on SQLite files.
#include "adapters/sqlite/sqlite_database.h"

#include <stdexcept>

#include "adapters/sqlite/sqlite_handle.h"
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

TR1L_INSTANTIATE_DATABASE_CONFORMANCE(Sqlite, tr1l::conformance::DatabaseBackend{"sqlite", open_fresh_sqlite_database,
                                                                                 force_sqlite_target_status,
                                                                                 execute_sqlite})
