// PostgreSQL backend against a real server (TR1L_TEST_POSTGRES_URL, see
// scripts/servers/postgres.sh): the shared conformance suite plus what only a server shows —
// concurrent workers and migrators on separate connections, COPY escaping of every column,
// reconnecting after the server dropped the connection.
#include "adapters/postgres/postgres_database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "adapters/postgres/postgres_connection.h"
#include "adapters/postgres/postgres_delivery_store.h"
#include "common/embedded_resources.h"
#include "domain/catalog.h"
#include "domain/settlement_rules.h"
#include "ports/delivery_store.h"
#include "support/database_conformance.h"
#include "support/postgres_scratch.h"

namespace {

// A second connection to the scratch database, as dispatch would write the status.
void force_postgres_target_status(tr1l::ports::Database& database, const tr1l::domain::YearMonth& month,
                                  tr1l::ports::UserId user_id, const std::string& status) {
  using tr1l::adapters::postgres::Params;
  tr1l::adapters::postgres::Connection connection(tr1l::conformance::scratch_database_url(database));
  auto updated = connection.execute(
      "UPDATE dispatch_target SET status = $1::text, updated_at = now() WHERE month = $2::text AND user_id = $3::bigint",
      Params().add(status).add(month.to_string()).add(user_id));
  if (tr1l::adapters::postgres::affected_rows(updated.get()) != 1) {
    throw std::logic_error("force_postgres_target_status: no such target");
  }
}

// The server runs on this machine in tests, so its processes' CPU time is in /proc: the sum over
// the backends serving the scratch database, other than the one asking.
double postgres_server_cpu_seconds(tr1l::ports::Database& database) {
  tr1l::adapters::postgres::Connection connection(tr1l::conformance::scratch_database_url(database));
  auto backends = connection.execute(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  double seconds = 0;
  for (int row = 0; row < PQntuples(backends.get()); ++row) {
    std::ifstream stat("/proc/" + std::string(tr1l::adapters::postgres::text_value(backends.get(), row, 0)) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after "pid (comm) ": state is field 3, utime and stime are fields 14 and 15.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    long ticks = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index >= 14) ticks += std::stol(field);
    }
    seconds += static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return seconds;
}

void execute_postgres(tr1l::ports::Database& database, const std::string& sql) {
  tr1l::adapters::postgres::Connection connection(tr1l::conformance::scratch_database_url(database));
  connection.execute(sql);
}

}  // namespace

TR1L_INSTANTIATE_DATABASE_CONFORMANCE(Postgres, tr1l::conformance::DatabaseBackend{
                                                    "postgres",
                                                    [] { return tr1l::conformance::open_scratch_postgres_database(); },
                                                    force_postgres_target_status, execute_postgres,
                                                    postgres_server_cpu_seconds});

namespace tr1l::adapters::postgres {
namespace {

using conformance::ScratchPostgresDatabase;
using domain::Date;
using domain::YearMonth;
using ports::JobKind;
using ports::UserId;

constexpr UserId kLowest = std::numeric_limits<UserId>::min();
constexpr UserId kHighest = std::numeric_limits<UserId>::max();
const YearMonth kOctober{2026, 10};

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      server_url_ = conformance::postgres_server_url();
    } catch (const conformance::DatabaseUnavailable& unavailable) {
      GTEST_SKIP() << unavailable.what();
    }
    scratch_ = std::make_unique<ScratchPostgresDatabase>(server_url_);
  }

  // The scratch database must outlive every connection a test opens, so tests declare their
  // PostgresDatabase objects as locals and the fixture drops the database afterwards.
  const std::string& url() const { return scratch_->url(); }

  std::string server_url_;
  std::unique_ptr<ScratchPostgresDatabase> scratch_;
};

ports::StoredCustomer billable_customer(UserId user_id) {
  ports::StoredCustomer customer;
  customer.user_id = user_id;
  customer.name = "고객";
  customer.birth_date = Date{1990, 5, 17};
  customer.email_ciphertext = "ciphertext-" + std::to_string(user_id);
  customer.email_index = "index-" + std::to_string(user_id);
  customer.plan_code = "PLN-001";
  return customer;
}

TEST_F(PostgresDatabaseTest, ConcurrentWorkersBillEveryUserExactlyOnce) {
  std::set<UserId> billable;
  {
    PostgresDatabase setup(url());
    setup.migrate();
    auto loader = setup.customers().open_loader();
    for (UserId id = 1; id <= 3000; ++id) {
      ports::StoredCustomer customer = billable_customer(id * 7);
      if (id % 10 == 0) customer.status = domain::CustomerStatus::Withdrawn;
      else billable.insert(customer.user_id);
      loader->add(customer);
      loader->add(ports::UsageRow{customer.user_id, kOctober, id});
    }
    loader->flush();
    auto bounds = setup.bills().billable_partition_bounds(60);
    ASSERT_GE(bounds.size(), 50u);
    setup.work().open_run(JobKind::Settlement, kOctober, bounds);
  }

  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::atomic<int> partitions_done[2] = {0, 0};
  auto work = [&](int worker) {
    try {
      PostgresDatabase database(url());
      const std::string owner = "worker-" + std::to_string(worker);
      while (auto lease = database.work().lease_partition(JobKind::Settlement, kOctober, owner, std::chrono::seconds(30))) {
        UserId cursor = lease->checkpoint;
        for (;;) {
          auto rows = database.bills().read_billing_rows(kOctober, cursor, lease->high_inclusive, 17);
          if (rows.empty()) break;
          std::vector<domain::Bill> bills;
          for (const auto& row : rows) {
            domain::Bill bill;
            bill.month = kOctober;
            bill.user_id = row.account.user_id;
            bill.plan_code = row.account.plan_code;
            bill.total = domain::Won(row.account.used_mb);
            bills.push_back(bill);
          }
          cursor = rows.back().account.user_id;
          database.bills().commit_bills(*lease, bills, cursor, std::chrono::seconds(30));
        }
        database.work().complete_partition(*lease);
        ++partitions_done[worker];
      }
    } catch (const std::exception& error) {
      std::lock_guard lock(errors_mutex);
      errors.push_back("worker " + std::to_string(worker) + ": " + error.what());
    }
  };
  std::thread first(work, 0);
  std::thread second(work, 1);
  first.join();
  second.join();
  ASSERT_TRUE(errors.empty()) << errors.front();

  PostgresDatabase check(url());
  auto state = check.work().run_state(JobKind::Settlement, kOctober);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->status, ports::RunStatus::Completed);
  EXPECT_EQ(state->partitions_done, state->partitions);
  EXPECT_EQ(partitions_done[0] + partitions_done[1], state->partitions);
  std::printf("[          ] partitions done by worker 0: %d, worker 1: %d\n", partitions_done[0].load(),
              partitions_done[1].load());

  std::vector<UserId> billed;
  check.bills().for_each_bill(kOctober, [&](const domain::Bill& bill) {
    billed.push_back(bill.user_id);
    EXPECT_EQ(bill.total.amount(), bill.user_id / 7);  // each bill was built from its own row
  });
  EXPECT_EQ(billed, std::vector<UserId>(billable.begin(), billable.end()));
  EXPECT_EQ(check.bills().count_bills(kOctober).issued, static_cast<std::int64_t>(billable.size()));
}

TEST_F(PostgresDatabaseTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  std::vector<std::thread> migrators;
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  for (int index = 0; index < 4; ++index) {
    migrators.emplace_back([&] {
      try {
        PostgresDatabase database(url());
        database.migrate();
      } catch (const std::exception& error) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(error.what());
      }
    });
  }
  for (auto& migrator : migrators) migrator.join();
  ASSERT_TRUE(errors.empty()) << errors.front();

  Connection connection(url());
  Result versions = connection.execute("SELECT version, applied_at IS NOT NULL FROM schema_migration ORDER BY version");
  const auto files = embedded::with_prefix("migrations/postgres/");
  ASSERT_EQ(PQntuples(versions.get()), static_cast<int>(files.size()));
  EXPECT_EQ(text_value(versions.get(), 0, 0), "0001_initial");
  EXPECT_EQ(text_value(versions.get(), 0, 1), "t");
}

TEST_F(PostgresDatabaseTest, CopyLoadKeepsEveryCustomerColumnExactly) {
  PostgresDatabase database(url());
  database.migrate();
  ports::StoredCustomer tricky;
  tricky.user_id = std::numeric_limits<UserId>::max();
  tricky.name = "김\\N\t민\n준\r\\";
  tricky.birth_date = Date{1, 1, 1};
  tricky.email_ciphertext = std::string("\0\\x\t\n\r\xff", 7);
  tricky.email_index = std::string(32, '\0');
  tricky.phone_ciphertext = std::string("\\\\N", 3);
  tricky.phone_index = std::string("\x01\x02", 2);
  tricky.plan_code = "\\.";
  tricky.welfare_code = "";
  tricky.status = domain::CustomerStatus::Banned;
  tricky.role = domain::Role::Guest;
  tricky.send_day = 31;
  tricky.quiet_from = 0;
  tricky.quiet_to = 23;
  ports::StoredCustomer plain;
  plain.user_id = std::numeric_limits<UserId>::min() + 1;
  plain.name = "\\.";  // the end-of-data marker of COPY text, as a whole value
  plain.birth_date = Date{9999, 12, 31};
  auto loader = database.customers().open_loader();
  loader->add(tricky);
  loader->add(plain);
  loader->flush();

  Connection connection(url());
  Result rows = connection.execute(
      "SELECT user_id, name, birth_date, email_ciphertext, email_index, phone_ciphertext, phone_index, plan_code,"
      " welfare_code, status, role, send_day, quiet_from, quiet_to FROM customer ORDER BY user_id");
  ASSERT_EQ(PQntuples(rows.get()), 2);
  const PGresult* result = rows.get();
  EXPECT_EQ(int64_value(result, 0, 0), plain.user_id);
  EXPECT_EQ(text_value(result, 0, 1), "\\.");
  EXPECT_EQ(date_value(result, 0, 2), plain.birth_date);
  for (int column = 3; column <= 8; ++column) EXPECT_TRUE(is_null(result, 0, column)) << column;
  EXPECT_EQ(text_value(result, 0, 9), "ACTIVE");
  EXPECT_EQ(text_value(result, 0, 10), "USER");
  for (int column = 11; column <= 13; ++column) EXPECT_TRUE(is_null(result, 0, column)) << column;

  EXPECT_EQ(int64_value(result, 1, 0), tricky.user_id);
  EXPECT_EQ(text_value(result, 1, 1), tricky.name);
  EXPECT_EQ(date_value(result, 1, 2), tricky.birth_date);
  EXPECT_EQ(optional_bytes(result, 1, 3), tricky.email_ciphertext);
  EXPECT_EQ(optional_bytes(result, 1, 4), tricky.email_index);
  EXPECT_EQ(optional_bytes(result, 1, 5), tricky.phone_ciphertext);
  EXPECT_EQ(optional_bytes(result, 1, 6), tricky.phone_index);
  EXPECT_EQ(optional_text(result, 1, 7), tricky.plan_code);
  EXPECT_EQ(optional_text(result, 1, 8), std::optional<std::string>(""));  // empty, not NULL
  EXPECT_EQ(text_value(result, 1, 9), "BANNED");
  EXPECT_EQ(text_value(result, 1, 10), "GUEST");
  EXPECT_EQ(optional_int(result, 1, 11), std::optional<int>(31));
  EXPECT_EQ(optional_int(result, 1, 12), std::optional<int>(0));
  EXPECT_EQ(optional_int(result, 1, 13), std::optional<int>(23));
}

TEST_F(PostgresDatabaseTest, ConstraintViolationsNameTheProblemButNoRowData) {
  PostgresDatabase database(url());
  database.migrate();
  ports::StoredCustomer customer = billable_customer(1);
  customer.name = "홍길동-secret-name";
  customer.send_day = 32;  // violates the CHECK constraint
  auto loader = database.customers().open_loader();
  loader->add(customer);
  try {
    loader->flush();
    FAIL() << "flush accepted send_day 32";
  } catch (const ports::DatabaseError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("customer_send_day_check"), std::string::npos) << message;
    EXPECT_NE(message.find("line 1"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret-name"), std::string::npos) << message;
  }
  EXPECT_EQ(database.customers().count_customers(), 0);
}

TEST_F(PostgresDatabaseTest, ReconnectsOnTheNextCallAfterTheServerDroppedTheConnection) {
  PostgresDatabase database(url());
  database.migrate();
  EXPECT_EQ(database.customers().count_customers(), 0);

  Connection admin(server_url_);
  Params database_name;
  database_name.add(scratch_->name());
  admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database_name);
  for (int attempt = 0; attempt < 200; ++attempt) {
    Result left = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database_name);
    if (int64_value(left.get(), 0, 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  EXPECT_THROW(database.customers().count_customers(), ports::DatabaseError);  // the call that finds out
  EXPECT_EQ(database.customers().count_customers(), 0);                      // prepared statements are redone
  database.work().open_run(JobKind::Settlement, kOctober, {});
  EXPECT_TRUE(database.work().lease_partition(JobKind::Settlement, kOctober, "w", std::chrono::seconds(5)).has_value());
}

TEST_F(PostgresDatabaseTest, CannotConnectErrorNamesTheServerWithoutThePassword) {
  // Same server, a database that does not exist, and a password in the URL.
  const std::string& url_without_password = scratch_->url();
  std::string target = url_without_password.substr(0, url_without_password.rfind('/')) + "/no_such_database";
  target.replace(target.find('@'), 1, ":hunter2-password@");
  try {
    PostgresDatabase database(target);
    FAIL() << "connected to a database that does not exist";
  } catch (const ports::DatabaseError& error) {
    std::string message = error.what();
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("no_such_database"), std::string::npos) << message;
  }
}

// ---------------------------------------------------------------------------------------------
// A rough throughput measurement, run only when TR1L_PG_BENCH_USERS is set (e.g. 100000).

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(PostgresDatabaseTest, Throughput) {
  const char* users_text = std::getenv("TR1L_PG_BENCH_USERS");
  if (users_text == nullptr) GTEST_SKIP() << "set TR1L_PG_BENCH_USERS=N to measure load and settlement throughput";
  const UserId users = std::stoll(users_text);

  auto file = [](const char* name) { return *embedded::find(std::string("catalog/") + name); };
  const domain::Catalog catalog = domain::Catalog::parse({file("plans.csv"), file("options.csv"), file("welfare.csv"),
                                                          file("contract_discount.csv"),
                                                          file("plan_included_options.csv")});
  PostgresDatabase database(url());
  database.migrate();

  // Load: roughly the seed's shape (ciphertexts ~60 bytes, 0-3 add-ons, half with a contract).
  auto load_start = std::chrono::steady_clock::now();
  std::int64_t related_rows = 0;
  {
    auto loader = database.customers().open_loader();
    for (UserId id = 1; id <= users; ++id) {
      ports::StoredCustomer customer = billable_customer(id);
      customer.email_ciphertext = std::string(60, static_cast<char>(id));
      customer.email_index = std::string(32, static_cast<char>(id * 7));
      customer.phone_ciphertext = std::string(45, static_cast<char>(id * 3));
      customer.phone_index = std::string(32, static_cast<char>(id * 5));
      customer.plan_code = catalog.plan_codes()[static_cast<std::size_t>(id) % catalog.plan_codes().size()];
      if (id % 4 == 0) customer.welfare_code = catalog.welfare_codes()[static_cast<std::size_t>(id) % catalog.welfare_codes().size()];
      customer.send_day = static_cast<int>(id % 31) + 1;
      loader->add(customer);
      if (id % 2 == 0) {
        loader->add(ports::ContractRow{id, {Date{2025, 3, 1}, Date{2027, 3, 1}}});
        ++related_rows;
      }
      for (int add_on = 0; add_on < id % 4; ++add_on) {
        loader->add(ports::AddOnRow{id, {catalog.add_on_codes()[static_cast<std::size_t>(id + add_on) % catalog.add_on_codes().size()],
                                         Date{2026, 1, 1}, Date{2026, 12, 31}}});
        ++related_rows;
      }
      if (id % 20 == 0) {
        loader->add(ports::MilitaryRow{id, {Date{2025, 6, 1}, std::nullopt}});
        ++related_rows;
      }
      loader->add(ports::UsageRow{id, kOctober, (id * 37) % 9000});
      ++related_rows;
      if (id % 50'000 == 0) loader->flush();
    }
    loader->flush();
  }
  const double load_seconds = seconds_since(load_start);

  // Settle with one worker: read a page, compute, commit, as the settlement job will.
  const auto bounds = database.bills().billable_partition_bounds(8);
  database.work().open_run(JobKind::Settlement, kOctober, bounds);
  double read_seconds = 0;
  double settle_seconds = 0;
  double commit_seconds = 0;
  std::int64_t billed = 0;
  auto settle_start = std::chrono::steady_clock::now();
  while (auto lease = database.work().lease_partition(JobKind::Settlement, kOctober, "bench", std::chrono::seconds(60))) {
    UserId cursor = lease->checkpoint;
    for (;;) {
      auto started = std::chrono::steady_clock::now();
      auto rows = database.bills().read_billing_rows(kOctober, cursor, lease->high_inclusive, 2000);
      read_seconds += seconds_since(started);
      if (rows.empty()) break;
      started = std::chrono::steady_clock::now();
      std::vector<domain::Bill> bills;
      bills.reserve(rows.size());
      for (const auto& row : rows) bills.push_back(domain::settle(catalog, row.account, kOctober));
      settle_seconds += seconds_since(started);
      cursor = rows.back().account.user_id;
      started = std::chrono::steady_clock::now();
      database.bills().commit_bills(*lease, bills, cursor, std::chrono::seconds(60));
      commit_seconds += seconds_since(started);
      billed += static_cast<std::int64_t>(bills.size());
    }
    database.work().complete_partition(*lease);
  }
  const double total_settle_seconds = seconds_since(settle_start);
  EXPECT_EQ(billed, users);

  std::int64_t streamed = 0;
  auto stream_start = std::chrono::steady_clock::now();
  database.bills().for_each_bill(kOctober, [&streamed](const domain::Bill&) { ++streamed; });
  const double stream_seconds = seconds_since(stream_start);
  EXPECT_EQ(streamed, users);

  std::printf("[ BENCH    ] load: %lld customers + %lld related rows in %.2f s (%.0f customers/s)\n",
              static_cast<long long>(users), static_cast<long long>(related_rows), load_seconds, users / load_seconds);
  std::printf("[ BENCH    ] settle: %lld bills in %.2f s (%.0f/s): read %.2f s (%.0f rows/s), settle %.2f s, "
              "commit %.2f s (%.0f bills/s)\n",
              static_cast<long long>(billed), total_settle_seconds, billed / total_settle_seconds, read_seconds,
              billed / read_seconds, settle_seconds, commit_seconds, billed / commit_seconds);
  std::printf("[ BENCH    ] for_each_bill: %lld bills in %.2f s (%.0f/s)\n", static_cast<long long>(streamed),
              stream_seconds, streamed / stream_seconds);
}

ports::DispatchTarget bench_target(UserId user_id, int revision) {
  ports::DispatchTarget target;
  target.month = kOctober;
  target.user_id = user_id;
  target.invoice_revision = revision;
  target.email_ciphertext = std::string(60, static_cast<char>(user_id));
  target.phone_ciphertext = std::string(45, static_cast<char>(user_id * 3));
  target.email_object = ports::StoredObjectReference{"tr1l-invoices", "2026-10/" + std::to_string(user_id) + ".html",
                                                     18'000 + user_id % 1000, std::string(64, 'e')};
  target.sms_object = ports::StoredObjectReference{"tr1l-invoices", "2026-10/" + std::to_string(user_id) + ".txt",
                                                   300, std::string(64, 's')};
  target.send_day = static_cast<int>(user_id % 31) + 1;
  return target;
}

// How long commit_targets takes per chunk, first inserting every target, then updating them all
// (a full regeneration), on one connection as one invoice worker would.
TEST_F(PostgresDatabaseTest, TargetCommitThroughput) {
  const char* targets_text = std::getenv("TR1L_PG_BENCH_TARGETS");
  if (targets_text == nullptr) GTEST_SKIP() << "set TR1L_PG_BENCH_TARGETS=N to measure dispatch-target commits";
  const UserId total = std::stoll(targets_text);
  const char* chunk_text = std::getenv("TR1L_PG_BENCH_CHUNK");
  const std::size_t chunk_size = chunk_text == nullptr ? 5000 : static_cast<std::size_t>(std::stoll(chunk_text));

  PostgresDatabase database(url());
  database.migrate();
  database.work().open_run(JobKind::Invoicing, kOctober, {});
  auto lease = database.work().lease_partition(JobKind::Invoicing, kOctober, "bench", std::chrono::seconds(600));
  ASSERT_TRUE(lease.has_value());

  for (int revision : {1, 2}) {
    std::vector<ports::DispatchTarget> chunk;
    chunk.reserve(chunk_size);
    double commit_seconds = 0;
    std::size_t chunks = 0;
    for (UserId id = 1; id <= total; ++id) {
      chunk.push_back(bench_target(id, revision));
      if (chunk.size() == chunk_size || id == total) {
        auto started = std::chrono::steady_clock::now();
        database.targets().commit_targets(*lease, chunk, id, std::chrono::seconds(600));
        commit_seconds += seconds_since(started);
        ++chunks;
        chunk.clear();
      }
    }
    EXPECT_EQ(database.targets().find_target(kOctober, total)->invoice_revision, revision);
    std::printf("[ BENCH    ] commit_targets (%s): %lld targets in %zu chunks of %zu: %.2f s, %.1f ms/chunk "
                "(%.0f targets/s)\n",
                revision == 1 ? "insert" : "update", static_cast<long long>(total), chunks, chunk_size,
                commit_seconds, 1000 * commit_seconds / static_cast<double>(chunks), total / commit_seconds);
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch and delivery on separate connections, as separate processes would run them.

ports::DispatchTarget reachable_target(UserId user_id, std::optional<int> send_day) {
  ports::DispatchTarget target;
  target.month = kOctober;
  target.user_id = user_id;
  target.email_ciphertext = "email-" + std::to_string(user_id);
  target.phone_ciphertext = "phone-" + std::to_string(user_id);
  target.email_object = ports::StoredObjectReference{"b", "email-" + std::to_string(user_id), 1, std::string(64, 'e')};
  target.sms_object = ports::StoredObjectReference{"b", "sms-" + std::to_string(user_id), 1, std::string(64, 's')};
  target.send_day = send_day;
  return target;
}

// Targets 1..count, reachable on both channels and due on any day.
void store_reachable_targets(PostgresDatabase& database, UserId count) {
  std::vector<ports::DispatchTarget> targets;
  for (UserId id = 1; id <= count; ++id) targets.push_back(reachable_target(id, std::nullopt));
  database.targets().store_targets(targets);
}

// The outcome of a send that went through.
ports::AttemptOutcome sent_outcome(const ports::DeliveryRequest& request, std::int64_t finished_at) {
  ports::AttemptOutcome outcome;
  outcome.request = request;
  outcome.attempt_status = ports::attempt_status::kSent;
  outcome.target_status = ports::target_status::kSent;
  outcome.finished_at = finished_at;
  return outcome;
}

ports::DispatchDecision first_channel(const ports::DueTarget& due) {
  ports::DispatchDecision decision;
  decision.policy_version = 1;
  decision.round = due.round;
  decision.channel = domain::Channel::Email;
  return decision;
}

constexpr std::int64_t kDispatchTime = 1'794'301'200;

TEST_F(PostgresDatabaseTest, ConcurrentDispatchersClaimDisjointTargetsThatTogetherAreAllDue) {
  constexpr UserId kTargets = 5000;
  std::set<UserId> due;
  {
    PostgresDatabase setup(url());
    setup.migrate();
    std::vector<ports::DispatchTarget> targets;
    for (UserId id = 1; id <= kTargets; ++id) {
      const bool later = id % 5 == 0;  // send day 20: not due on day 10
      targets.push_back(reachable_target(id, later ? std::optional<int>(20) : std::nullopt));
      if (!later) due.insert(id);
    }
    setup.targets().store_targets(targets);
  }

  constexpr int kDispatchers = 2;
  std::vector<std::vector<UserId>> claimed(kDispatchers);
  std::vector<std::size_t> batches(kDispatchers, 0);
  std::atomic<int> ready{0};
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> threads;
  for (int index = 0; index < kDispatchers; ++index) {
    threads.emplace_back([&, index] {
      try {
        PostgresDatabase database(url());
        // Both connected before either claims, so their claims overlap.
        ready.fetch_add(1);
        while (ready.load() < kDispatchers) std::this_thread::yield();
        for (;;) {
          auto requests = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 10, 12, 20}, first_channel);
          if (requests.empty()) break;
          ++batches[static_cast<std::size_t>(index)];
          for (const auto& request : requests) claimed[static_cast<std::size_t>(index)].push_back(request.user_id);
        }
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        failure = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failure, "");

  std::set<UserId> all;
  for (int index = 0; index < kDispatchers; ++index) {
    EXPECT_GT(batches[static_cast<std::size_t>(index)], 0u) << "dispatcher " << index << " claimed nothing";
    for (UserId user : claimed[static_cast<std::size_t>(index)]) {
      EXPECT_TRUE(all.insert(user).second) << "user " << user << " was claimed twice";
    }
  }
  EXPECT_EQ(all, due);
  std::printf("[          ] dispatchers claimed %zu and %zu targets in %zu and %zu batches\n", claimed[0].size(),
              claimed[1].size(), batches[0], batches[1]);

  PostgresDatabase check(url());
  const auto counts = check.deliveries().count_targets_by_status(kOctober);
  EXPECT_EQ(counts.at("QUEUED"), static_cast<std::int64_t>(due.size()));
  EXPECT_EQ(counts.at("READY"), kTargets / 5);
  EXPECT_EQ(check.deliveries().waiting_attempts(kDispatchTime, 100'000).size(), due.size());
}

TEST_F(PostgresDatabaseTest, ConcurrentWorkersClaimEachAttemptExactlyOnce) {
  constexpr UserId kTargets = 2000;
  std::vector<ports::DeliveryRequest> requests;
  {
    PostgresDatabase setup(url());
    setup.migrate();
    store_reachable_targets(setup, kTargets);
    requests = setup.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 10'000}, first_channel);
    ASSERT_EQ(requests.size(), static_cast<std::size_t>(kTargets));
  }

  // Both workers get every request (a redelivery after a rebalance), one front to back, the other
  // back to front with each batch reversed, so their batches overlap in opposite orders.
  constexpr std::size_t kBatch = 50;
  std::vector<std::map<UserId, ports::AttemptClaimResult>> answers(2);
  std::atomic<int> ready{0};
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> threads;
  for (int index = 0; index < 2; ++index) {
    threads.emplace_back([&, index] {
      try {
        PostgresDatabase database(url());
        std::vector<ports::DeliveryRequest> mine = requests;
        if (index == 1) std::reverse(mine.begin(), mine.end());
        ready.fetch_add(1);
        while (ready.load() < 2) std::this_thread::yield();
        const std::string owner = "worker-" + std::to_string(index);
        for (std::size_t offset = 0; offset < mine.size(); offset += kBatch) {
          std::span<const ports::DeliveryRequest> batch(mine.data() + offset, std::min(kBatch, mine.size() - offset));
          for (const auto& claim : database.deliveries().claim_attempts(batch, owner, kDispatchTime)) {
            answers[static_cast<std::size_t>(index)][claim.request.user_id] = claim.result;
          }
        }
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        failure = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failure, "");

  std::size_t claimed_by[2] = {0, 0};
  for (UserId id = 1; id <= kTargets; ++id) {
    const auto first = answers[0].at(id);
    const auto second = answers[1].at(id);
    const bool exactly_one = (first == ports::AttemptClaimResult::Claimed) != (second == ports::AttemptClaimResult::Claimed);
    EXPECT_TRUE(exactly_one) << "user " << id;
    EXPECT_NE(first, ports::AttemptClaimResult::Unknown);
    EXPECT_NE(second, ports::AttemptClaimResult::Unknown);
    if (first == ports::AttemptClaimResult::Claimed) ++claimed_by[0];
    if (second == ports::AttemptClaimResult::Claimed) ++claimed_by[1];
  }
  EXPECT_EQ(claimed_by[0] + claimed_by[1], static_cast<std::size_t>(kTargets));
  std::printf("[          ] workers claimed %zu and %zu attempts\n", claimed_by[0], claimed_by[1]);
  PostgresDatabase check(url());
  EXPECT_EQ(check.deliveries().sending_attempts(100'000).size(), static_cast<std::size_t>(kTargets));
}

TEST_F(PostgresDatabaseTest, ConcurrentFirstDispatchersAgreeOnOneActivePolicy) {
  {
    PostgresDatabase setup(url());
    setup.migrate();
  }
  constexpr int kProcesses = 4;
  std::vector<int> versions(kProcesses, 0);
  std::atomic<int> ready{0};
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> threads;
  for (int index = 0; index < kProcesses; ++index) {
    threads.emplace_back([&, index] {
      try {
        PostgresDatabase database(url());
        ready.fetch_add(1);
        while (ready.load() < kProcesses) std::this_thread::yield();
        versions[static_cast<std::size_t>(index)] =
            database.policies().ensure_active_policy(domain::default_channel_order()).version;
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        failure = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failure, "");
  for (int version : versions) EXPECT_EQ(version, 1);
  PostgresDatabase check(url());
  EXPECT_EQ(check.policies().list_policies().size(), 1u);
}

// One of `table`'s counters in pg_stat_user_tables.
std::int64_t table_statistic(Connection& connection, const std::string& table, const std::string& column) {
  Result stats = connection.execute("SELECT " + column + " FROM pg_stat_user_tables WHERE relname = '" + table + "'");
  return int64_value(stats.get(), 0, 0);
}

// The counter once it is at least `expected` (a backend reports its counts when its connection
// closes, all at once), or after 10 s.
std::int64_t wait_for_table_statistic(Connection& connection, const std::string& table, const std::string& column,
                                      std::int64_t expected) {
  std::int64_t value = table_statistic(connection, table, column);
  for (int poll = 1; poll < 200 && value < expected; ++poll) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    value = table_statistic(connection, table, column);
  }
  return value;
}

struct UpdateCounts {
  std::int64_t updated = 0;
  std::int64_t in_place = 0;  // HOT
};

// The updates of `table` the server has counted, and how many were HOT, once there are at least
// `expected`, or after 10 s.
UpdateCounts wait_for_update_counts(const std::string& url, const std::string& table, std::int64_t expected) {
  Connection connection(url);
  UpdateCounts counts;
  counts.updated = wait_for_table_statistic(connection, table, "n_tup_upd", expected);
  counts.in_place = table_statistic(connection, table, "n_tup_hot_upd");  // reported with the updates
  return counts;
}

// Dispatch's status change touches no index of dispatch_target, so PostgreSQL updates the rows in
// place (HOT) instead of writing new index entries (migrations/postgres/0004_delivery_hot_path.sql).
// The dispatching backend reports its counts when its connection closes.
TEST_F(PostgresDatabaseTest, DispatchUpdatesTargetsInPlace) {
  constexpr UserId kTargets = 2000;
  {
    PostgresDatabase database(url());
    database.migrate();
    store_reachable_targets(database, kTargets);
    std::size_t claimed = 0;
    for (;;) {
      const auto requests = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 500}, first_channel);
      if (requests.empty()) break;
      claimed += requests.size();
    }
    ASSERT_EQ(claimed, static_cast<std::size_t>(kTargets));
  }
  const UpdateCounts counts = wait_for_update_counts(url(), "dispatch_target", kTargets);
  ASSERT_EQ(counts.updated, kTargets);
  EXPECT_EQ(counts.in_place, kTargets);
}

// A claim changes no indexed column of delivery_attempt either (the sweeper's index holds the
// unfinished attempts, and a claimed one is still unfinished), so claims update the attempts in
// place too (migrations/postgres/0005_attempt_claim_in_place.sql).
TEST_F(PostgresDatabaseTest, ClaimsUpdateAttemptsInPlace) {
  constexpr UserId kTargets = 2000;
  // As common/worker_identity makes them, on a host whose name is 40 characters long.
  const std::string kLongOwner = std::string(40, 'h') + ":4194303:0123abcd";
  {
    PostgresDatabase database(url());
    database.migrate();
    store_reachable_targets(database, kTargets);
    const auto requests = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 10'000}, first_channel);
    ASSERT_EQ(requests.size(), static_cast<std::size_t>(kTargets));
    for (std::size_t offset = 0; offset < requests.size(); offset += 500) {
      for (const auto& claim : database.deliveries().claim_attempts(std::span(requests).subspan(offset, 500),
                                                                    kLongOwner, kDispatchTime)) {
        ASSERT_EQ(claim.result, ports::AttemptClaimResult::Claimed);
      }
    }
  }
  const UpdateCounts counts = wait_for_update_counts(url(), "delivery_attempt", kTargets);
  ASSERT_EQ(counts.updated, kTargets);
  EXPECT_EQ(counts.in_place, kTargets);
}

// Finished attempts of an earlier month, as a real attempts table holds: enough that probing a
// batch's keys is plainly cheaper than reading the table, for any planner. Batches are planned
// for their own sizes (postgres_delivery_store.cpp), so on a table of a few thousand rows a scan
// of the whole table is the right plan.
void insert_earlier_attempts(Connection& connection) {
  connection.execute(
      "INSERT INTO delivery_attempt (month, user_id, round, channel, policy_version, status, published_at, "
      "started_at, finished_at, owner) SELECT '2026-09', user_id, 1, 'EMAIL', 1, 'SENT', 0, 0, 0, 'earlier' "
      "FROM generate_series(1, 200000) AS user_id");
}

// Claims and outcomes probe delivery_attempt by primary key, one key per request. The partial
// index on unfinished attempts is the sweeper's; a plan that reads it instead reads every
// in-flight attempt for each request of the batch (docs/BENCHMARKS.md, "Tried and reverted": a
// fence written as a literal status did that with the status-keyed indexes of migration 0003,
// when the statistics were taken while the index was nearly empty). Here the statistics are
// taken in that state. The statements' own plans are checked through the server's index statistics,
// which a backend reports when its connection closes.
TEST_F(PostgresDatabaseTest, ClaimsAndOutcomesProbeAttemptsByKey) {
  constexpr UserId kTargets = 6000;
  constexpr std::int64_t kFinished = 4000;
  constexpr std::size_t kBatch = 500;
  Connection connection(url());
  std::vector<ports::DeliveryRequest> requests;
  auto sent = [](const ports::DeliveryRequest& request) { return sent_outcome(request, kDispatchTime + 2); };
  {
    PostgresDatabase database(url());
    database.migrate();
    connection.execute("ALTER TABLE delivery_attempt SET (autovacuum_enabled = false)");
    store_reachable_targets(database, kTargets);
    const auto finished = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, kFinished}, first_channel);
    database.deliveries().claim_attempts(finished, "earlier", kDispatchTime);
    std::vector<ports::AttemptOutcome> outcomes;
    for (const auto& request : finished) outcomes.push_back(sent(request));
    ASSERT_EQ(database.deliveries().record_outcomes(outcomes, "earlier"), static_cast<std::size_t>(kFinished));
    insert_earlier_attempts(connection);
    connection.execute("ANALYZE delivery_attempt");  // no attempt waiting or in flight
    requests = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 10'000}, first_channel);
    ASSERT_EQ(requests.size(), static_cast<std::size_t>(kTargets - kFinished));
    database.deliveries().claim_attempts(std::span(requests).first(requests.size() / 2), "earlier", kDispatchTime);
  }
  auto scans = [&] {
    std::map<std::string, std::int64_t> counts;
    Result stats = connection.execute(
        "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'delivery_attempt'");
    for (int row = 0; row < PQntuples(stats.get()); ++row) {
      counts[std::string(text_value(stats.get(), row, 0))] = int64_value(stats.get(), row, 1);
    }
    return counts;
  };
  // The setup's counts arrive first; they are not counted below.
  std::map<std::string, std::int64_t> before = scans();
  for (int poll = 0; poll < 100; ++poll) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    std::map<std::string, std::int64_t> now = scans();
    if (now == before && poll >= 10) break;
    before = now;
  }
  {
    PostgresDatabase database(url());
    const auto batch = std::span(requests).subspan(requests.size() / 2, kBatch);
    std::vector<ports::AttemptOutcome> outcomes;
    for (const auto& claim : database.deliveries().claim_attempts(batch, "worker", kDispatchTime + 1)) {
      ASSERT_EQ(claim.result, ports::AttemptClaimResult::Claimed);
      outcomes.push_back(sent(claim.request));
    }
    ASSERT_EQ(database.deliveries().record_outcomes(outcomes, "worker"), kBatch);
  }
  std::map<std::string, std::int64_t> after = before;
  for (int poll = 0; poll < 200 && after["delivery_attempt_pkey"] == before["delivery_attempt_pkey"]; ++poll) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    after = scans();
  }
  EXPECT_GE(after["delivery_attempt_pkey"] - before["delivery_attempt_pkey"], static_cast<std::int64_t>(2 * kBatch));
  EXPECT_EQ(after["delivery_attempt_unfinished"], before["delivery_attempt_unfinished"]);
}

// A month's attempts table starts empty. A plan made on the first claim of a month, when
// reading the whole table costs less than probing each key, used to stay in the session's cache
// (a generic plan) as the table grew, and then every batch read the whole table
// (docs/BENCHMARKS.md, "Slow passes"). Claims and outcomes must read only the attempts of their
// batch once the table is large, whatever it held when the session began. (The targets table is
// full before a month's first dispatch, so a plan sees its size from the start.)
TEST_F(PostgresDatabaseTest, BatchesReadOnlyTheirOwnAttemptsOnATableThatGrewDuringTheSession) {
  constexpr UserId kTargets = 3000;
  constexpr std::int64_t kFirstBatch = 10;
  constexpr std::int64_t kLaterBatch = 500;
  Connection connection(url());
  auto attempts_read = [&] {
    return table_statistic(connection, "delivery_attempt", "seq_tup_read") +
           table_statistic(connection, "delivery_attempt", "idx_tup_fetch");
  };
  {
    PostgresDatabase database(url());
    database.migrate();
    store_reachable_targets(database, kTargets);
  }
  ASSERT_EQ(wait_for_table_statistic(connection, "dispatch_target", "n_tup_ins", kTargets), kTargets);
  connection.execute("ALTER TABLE delivery_attempt SET (autovacuum_enabled = false)");
  connection.execute("ANALYZE delivery_attempt");  // empty, as at the start of a month's delivery
  const std::int64_t read_before = attempts_read();
  auto sent = [](const ports::AttemptClaim& claim) {
    EXPECT_EQ(claim.result, ports::AttemptClaimResult::Claimed);
    return sent_outcome(claim.request, kDispatchTime + 2);
  };
  {
    PostgresDatabase database(url());
    auto deliver = [&](std::span<const ports::DeliveryRequest> requests) {
      std::vector<ports::AttemptOutcome> outcomes;
      for (const auto& claim : database.deliveries().claim_attempts(requests, "worker", kDispatchTime + 1)) {
        outcomes.push_back(sent(claim));
      }
      ASSERT_EQ(database.deliveries().record_outcomes(outcomes, "worker"), requests.size());
    };
    // The session's first batch meets an attempts table that holds only that batch.
    const auto first = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, kFirstBatch}, first_channel);
    ASSERT_EQ(first.size(), static_cast<std::size_t>(kFirstBatch));
    deliver(first);
    const auto rest = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 10'000}, first_channel);
    ASSERT_EQ(rest.size(), static_cast<std::size_t>(kTargets - kFirstBatch));
    // Then the table grows, here by an earlier month's attempts.
    insert_earlier_attempts(connection);
    deliver(std::span(rest).first(kLaterBatch));
  }
  constexpr std::int64_t kDelivered = kFirstBatch + kLaterBatch;
  // Claimed, then finished.
  ASSERT_EQ(wait_for_table_statistic(connection, "delivery_attempt", "n_tup_upd", 2 * kDelivered), 2 * kDelivered);
  // A claim and an outcome each read each attempt of their batch once. Reading the whole table
  // once it has grown would be more than 200,000 rows.
  EXPECT_LE(attempts_read() - read_before, 2 * kDelivered) << "a batch read more than its own attempts";
}

// Each outcome of a batch is compared with its own attempt only. A fence that the planner can
// apply to the attempts table by itself is, in a plan made for one batch, a constant that the
// table's statistics may never have seen: the owner fence was `a.owner = $11`, estimated at one
// row for a new owner, and the plan then compared every attempt of that owner with every outcome
// of the batch, 0.6-7 s per batch in the benchmark (docs/BENCHMARKS.md, 2026-11-22 21:15 UTC).
// Here the statistics know only an earlier owner and the table is small enough for a scan to
// look cheap, as early in a month; the adapter's statement runs under EXPLAIN ANALYZE, rolled
// back. With the old fence this batch of 200 made 39,800 comparisons that matched nothing.
TEST_F(PostgresDatabaseTest, RecordComparesEachOutcomeWithItsOwnAttemptOnly) {
  constexpr UserId kTargets = 10'000;
  constexpr std::size_t kBatch = 200;
  Connection connection(url());
  std::vector<ports::DeliveryRequest> in_flight;
  {
    PostgresDatabase database(url());
    database.migrate();
    connection.execute("ALTER TABLE delivery_attempt SET (autovacuum_enabled = false)");
    store_reachable_targets(database, kTargets);
    const auto requests = database.deliveries().claim_due_targets({kOctober, kDispatchTime, 31, 12, 10'000}, first_channel);
    ASSERT_EQ(requests.size(), static_cast<std::size_t>(kTargets));
    const auto finished = std::span(requests).first(requests.size() - kBatch);
    database.deliveries().claim_attempts(finished, "earlier", kDispatchTime);
    std::vector<ports::AttemptOutcome> outcomes;
    for (const auto& request : finished) outcomes.push_back(sent_outcome(request, kDispatchTime + 1));
    ASSERT_EQ(database.deliveries().record_outcomes(outcomes, "earlier"), finished.size());
    connection.execute("ANALYZE delivery_attempt");  // the statistics know the owner "earlier" only
    in_flight.assign(requests.end() - kBatch, requests.end());
    for (const auto& claim : database.deliveries().claim_attempts(in_flight, "worker", kDispatchTime + 2)) {
      ASSERT_EQ(claim.result, ports::AttemptClaimResult::Claimed);
    }
  }
  // The batch as record_outcomes sends it: SENT outcomes, fenced on SENDING by "worker".
  std::vector<ports::AttemptOutcome> outcomes;
  for (const auto& request : in_flight) outcomes.push_back(sent_outcome(request, kDispatchTime + 3));
  std::string arguments;
  for (const std::string& array : record_outcomes_arguments(outcomes, "worker")) {
    arguments += (arguments.empty() ? "'" : ", '") + array + "'";
  }
  connection.execute("SET plan_cache_mode = force_custom_plan");  // as kBeginBatch plans every batch
  connection.execute("PREPARE record AS " + std::string(record_outcomes_statement()));
  connection.execute("BEGIN");
  Result plan = connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE record(" + arguments + ")");
  Result recorded = connection.execute("SELECT count(*) FROM delivery_attempt WHERE owner = 'worker' AND status = 'SENT'");
  connection.execute("ROLLBACK");
  ASSERT_EQ(int64_value(recorded.get(), 0, 0), static_cast<std::int64_t>(kBatch)) << "the batch did not match its attempts";
  const std::string plan_text(text_value(plan.get(), 0, 0));
  std::int64_t compared_in_vain = 0;
  auto visit = [&](const auto& self, const nlohmann::json& node) -> void {
    compared_in_vain += node.value("Rows Removed by Join Filter", std::int64_t{0});
    for (const nlohmann::json& child : node.value("Plans", nlohmann::json::array())) self(self, child);
  };
  visit(visit, nlohmann::json::parse(plan_text).at(0).at("Plan"));
  // A join filter may turn away a key's attempt that fails the fence; none does here.
  EXPECT_EQ(compared_in_vain, 0) << plan_text;
}

// The due query must walk the partial index in user order and keep the send day as an index
// condition. The statement is the adapter's (postgres_delivery_store.cpp)
// without the quiet-hours term, which only filters, planned as the adapter plans it.
TEST_F(PostgresDatabaseTest, DueQueryWalksTheDueIndexInUserOrder) {
  PostgresDatabase database(url());
  database.migrate();
  std::vector<ports::DispatchTarget> targets;
  for (UserId id = 1; id <= 20'000; ++id) targets.push_back(reachable_target(id, static_cast<int>(id % 31) + 1));
  database.targets().store_targets(targets);
  Connection connection(url());
  connection.execute("ANALYZE dispatch_target");
  connection.execute("SET plan_cache_mode = force_custom_plan");  // as kBeginBatch plans every batch
  connection.execute(
      "PREPARE due AS SELECT user_id FROM dispatch_target WHERE month = $1::text AND sent_at IS NULL "
      "AND status IN ('READY', 'RETRY') AND (status = 'READY' OR next_attempt_at <= $2::bigint) "
      "AND COALESCE(send_day, 1) <= $3::integer ORDER BY user_id LIMIT $4::bigint FOR UPDATE SKIP LOCKED");
  // The first day of the month, when few targets are due, to the last, when all are.
  for (const int send_day_limit : {1, 10, 31}) {
    const std::string day = std::to_string(send_day_limit);
    Result plan = connection.execute("EXPLAIN EXECUTE due('2026-10', 0, " + day + ", 1000)");
    std::string text;
    for (int row = 0; row < PQntuples(plan.get()); ++row) text += std::string(text_value(plan.get(), row, 0)) + "\n";
    EXPECT_NE(text.find("Index Scan using dispatch_target_due"), std::string::npos) << text;
    EXPECT_NE(text.find("Index Cond: ((month = '2026-10'::text) AND (COALESCE((send_day)::integer, 1) <= " + day + "))"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace tr1l::adapters::postgres
