// The behaviour every ports::Database backend must show, as one value-parameterised gtest suite.
// A backend instantiates it with a factory that returns a fresh, empty, migrated database per
// test; from any test .cpp file, at global namespace scope:
//
//   TR1L_INSTANTIATE_DATABASE_CONFORMANCE(Postgres,
//       tr1l::conformance::DatabaseBackend{"postgres", [] { return open_my_database(); },
//                                          force_my_target_status});
//
// The test bodies live in database_conformance.cpp and delivery_store_conformance.cpp, which every
// test binary links; a binary that never instantiates the suite simply has none of its tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include "ports/database.h"

namespace tr1l::conformance {

// Thrown by a factory whose backend cannot run here (for example no server is configured); the
// test is skipped with this message. Any other exception from the factory fails the test.
class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DatabaseBackend {
  std::string name;  // appended to test names: letters, digits and underscores only
  std::function<std::unique_ptr<ports::Database>()> open;
  // Sets a stored dispatch target's status behind the port's back (backend-specific SQL), the
  // way dispatch and delivery will; the port itself never writes a delivery status. Tests that
  // need it are skipped when a backend leaves it empty.
  std::function<void(ports::Database& database, const domain::YearMonth& month, ports::UserId user_id,
                     const std::string& status)>
      force_target_status;
  // Runs one SQL statement on a second connection to the same database, behind the port's back,
  // for the rules the database itself must enforce. Tests that need it are skipped when empty.
  std::function<void(ports::Database& database, const std::string& sql)> execute_sql;
  // CPU seconds a database server has spent so far serving `database`'s connection, for
  // benchmarks on a busy machine; empty for an embedded backend, whose work is the test's own.
  std::function<double(ports::Database& database)> server_cpu_seconds;
};

inline void PrintTo(const DatabaseBackend& backend, std::ostream* out) { *out << backend.name; }

inline std::string backend_test_name(const ::testing::TestParamInfo<DatabaseBackend>& info) { return info.param.name; }

class DatabaseConformance : public ::testing::TestWithParam<DatabaseBackend> {
 protected:
  void SetUp() override;
  ports::Database& database() { return *database_; }

 private:
  std::unique_ptr<ports::Database> database_;
};

}  // namespace tr1l::conformance

// INSTANTIATE_TEST_SUITE_P pastes the suite name into identifiers, so it must be unqualified:
// the macro opens the namespace itself. One or more DatabaseBackend values follow the prefix.
#define TR1L_INSTANTIATE_DATABASE_CONFORMANCE(prefix, ...)                                                   \
  namespace tr1l::conformance {                                                                              \
  INSTANTIATE_TEST_SUITE_P(prefix, DatabaseConformance, ::testing::Values(__VA_ARGS__), backend_test_name); \
  }
