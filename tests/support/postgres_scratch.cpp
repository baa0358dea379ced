#include "support/postgres_scratch.h"

#include <cstdlib>
#include <random>
#include <stdexcept>

#include "adapters/postgres/postgres_connection.h"
#include "adapters/postgres/postgres_database.h"
#include "support/database_conformance.h"

namespace tr1l::conformance {
namespace {

std::string random_suffix() {
  std::random_device device;
  std::mt19937_64 generator((static_cast<std::uint64_t>(device()) << 32) ^ device());
  std::uniform_int_distribution<int> digit(0, 35);
  std::string suffix;
  for (int index = 0; index < 12; ++index) suffix.push_back("0123456789abcdefghijklmnopqrstuvwxyz"[digit(generator)]);
  return suffix;
}

// postgresql://user@host:port/old?options -> postgresql://user@host:port/new?options
std::string with_database(const std::string& server_url, const std::string& database) {
  std::size_t scheme = server_url.find("://");
  if (scheme == std::string::npos) {
    throw std::runtime_error("TR1L_TEST_POSTGRES_URL must be a postgresql:// URL");
  }
  std::size_t path = server_url.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return server_url + "/" + database;
  std::size_t query = server_url.find('?', path);
  std::string rest = query == std::string::npos ? "" : server_url.substr(query);
  return server_url.substr(0, path) + "/" + database + rest;
}

// Forwards to the real database and drops the scratch database after closing its connection.
class ScratchBackedDatabase final : public ports::Database {
 public:
  explicit ScratchBackedDatabase(const std::string& server_url)
      : scratch_(server_url), database_(scratch_.url()) {}

  std::string_view backend() const override { return database_.backend(); }
  bool writes_in_parallel() const override { return database_.writes_in_parallel(); }
  void migrate() override { database_.migrate(); }
  ports::CustomerStore& customers() override { return database_.customers(); }
  ports::WorkLedger& work() override { return database_.work(); }
  ports::BillStore& bills() override { return database_.bills(); }
  ports::TargetStore& targets() override { return database_.targets(); }
  ports::PolicyStore& policies() override { return database_.policies(); }
  ports::DeliveryStore& deliveries() override { return database_.deliveries(); }

  const std::string& url() const { return scratch_.url(); }

 private:
  ScratchPostgresDatabase scratch_;  // declared first: outlives the connection below
  adapters::postgres::PostgresDatabase database_;
};

}  // namespace

std::string postgres_server_url() {
  const char* url = std::getenv("TR1L_TEST_POSTGRES_URL");
  if (url != nullptr && *url != '\0') return url;
  const char* required = std::getenv("TR1L_REQUIRE_SERVERS");
  if (required != nullptr && std::string_view(required) == "1") {
    throw std::runtime_error("TR1L_REQUIRE_SERVERS=1 but TR1L_TEST_POSTGRES_URL is not set "
                             "(run scripts/servers/postgres.sh start DIR and source DIR/env)");
  }
  throw DatabaseUnavailable("TR1L_TEST_POSTGRES_URL is not set; start a server with "
                            "scripts/servers/postgres.sh start DIR and source DIR/env");
}

ScratchPostgresDatabase::ScratchPostgresDatabase(std::string server_url)
    : server_url_(std::move(server_url)), name_("tr1l_t_" + random_suffix()), url_(with_database(server_url_, name_)) {
  adapters::postgres::Connection admin(server_url_);
  admin.execute("CREATE DATABASE " + name_);
}

ScratchPostgresDatabase::~ScratchPostgresDatabase() {
  try {
    adapters::postgres::Connection admin(server_url_);
    admin.execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover scratch database is harmless on a throwaway server; never throw from here.
  }
}

std::unique_ptr<ports::Database> open_scratch_postgres_database() {
  auto database = std::make_unique<ScratchBackedDatabase>(postgres_server_url());
  database->migrate();
  return database;
}

std::string scratch_database_url(const ports::Database& database) {
  const auto* scratch = dynamic_cast<const ScratchBackedDatabase*>(&database);
  if (scratch == nullptr) throw std::logic_error("scratch_database_url: not a scratch PostgreSQL database");
  return scratch->url();
}

}  // namespace tr1l::conformance
