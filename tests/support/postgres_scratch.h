// Throwaway PostgreSQL databases for integration tests, on the server named by
// TR1L_TEST_POSTGRES_URL (scripts/servers/postgres.sh writes it). Each test gets its own
// database, so tests never see each other's rows and can run in any order.
#pragma once

#include <memory>
#include <string>

#include "ports/database.h"

namespace tr1l::conformance {

// The server URL from TR1L_TEST_POSTGRES_URL. When it is unset, throws DatabaseUnavailable (the
// test is skipped) or, when TR1L_REQUIRE_SERVERS=1, std::runtime_error (the test fails).
std::string postgres_server_url();

// CREATE DATABASE tr1l_t_<random> on construction, DROP DATABASE ... WITH (FORCE) on destruction.
class ScratchPostgresDatabase {
 public:
  explicit ScratchPostgresDatabase(std::string server_url);
  ~ScratchPostgresDatabase();
  ScratchPostgresDatabase(const ScratchPostgresDatabase&) = delete;
  ScratchPostgresDatabase& operator=(const ScratchPostgresDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }  // the server URL with this database's name

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

// A migrated PostgresDatabase on a new scratch database that is dropped with it.
std::unique_ptr<ports::Database> open_scratch_postgres_database();

// The URL of the scratch database behind a database from open_scratch_postgres_database(), for
// tests that need a second connection to it. Throws std::logic_error for any other database.
std::string scratch_database_url(const ports::Database& database);

}  // namespace tr1l::conformance
