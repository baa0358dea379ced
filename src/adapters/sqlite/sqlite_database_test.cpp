// The shared backend conformance suite (tests/support/database_conformance.h) on SQLite files.
#include "adapters/sqlite/sqlite_database.h"

#include "support/database_conformance.h"
#include "support/subprocess.h"

namespace {

// Each test gets its own database file in its own directory, removed with the test.
std::unique_ptr<tr1l::ports::Database> open_fresh_sqlite_database() {
  struct DatabaseInDirectory : tr1l::adapters::sqlite::SqliteDatabase {
    explicit DatabaseInDirectory(std::unique_ptr<tr1l::testing::TemporaryDirectory> directory)
        : SqliteDatabase((directory->path() / "tr1l.db").string()), directory_(std::move(directory)) {}
    ~DatabaseInDirectory() override = default;
    std::unique_ptr<tr1l::testing::TemporaryDirectory> directory_;
  };
  auto database = std::make_unique<DatabaseInDirectory>(std::make_unique<tr1l::testing::TemporaryDirectory>());
  database->migrate();
  return database;
}

}  // namespace

TR1L_INSTANTIATE_DATABASE_CONFORMANCE(Sqlite, tr1l::conformance::DatabaseBackend{"sqlite", open_fresh_sqlite_database})
