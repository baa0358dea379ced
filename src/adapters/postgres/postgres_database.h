// The PostgreSQL backend of ports::Database (libpq). Built for volume: customers and bills are
// written with COPY, settlement pages read a customer page and its related rows in one range
// query per table, and leases are taken with FOR UPDATE SKIP LOCKED and timed by the database
// clock so several worker processes on several machines can share one month.
#pragma once

#include <memory>
#include <string>

#include "adapters/postgres/postgres_delivery_store.h"
#include "ports/database.h"
#include "ports/dispatch_targets.h"

namespace tr1l::adapters::postgres {

class Connection;

class PostgresCustomerStore final : public ports::CustomerStore {
 public:
  explicit PostgresCustomerStore(Connection& connection) : connection_(connection) {}

  std::unique_ptr<ports::CustomerLoader> open_loader() override;
  std::int64_t count_customers() override;
  std::vector<ports::UserId> all_user_ids() override;
  std::vector<ports::UserId> user_ids_with_military() override;
  std::vector<std::pair<ports::UserId, std::string>> usage_keys() override;
  std::vector<ports::UserId> find_by_contact_index(const std::string& column, const std::string& index) override;
  std::vector<ports::ContactCiphertexts> contact_page(ports::UserId after, std::size_t limit) override;
  void update_contacts(std::span<const ports::ContactCiphertexts> contacts) override;

 private:
  Connection& connection_;
};

class PostgresWorkLedger final : public ports::WorkLedger {
 public:
  explicit PostgresWorkLedger(Connection& connection) : connection_(connection) {}

  ports::RunState open_run(ports::JobKind job, const domain::YearMonth& month,
                           const std::vector<ports::UserId>& upper_bounds) override;
  std::optional<ports::RunState> run_state(ports::JobKind job, const domain::YearMonth& month) override;
  std::optional<ports::PartitionLease> lease_partition(ports::JobKind job, const domain::YearMonth& month,
                                                       const std::string& owner,
                                                       std::chrono::milliseconds duration) override;
  std::vector<ports::PartitionLease> held_leases(ports::JobKind job, const domain::YearMonth& month) override;
  bool expire_lease(const ports::PartitionLease& lease) override;
  ports::RunState complete_partition(const ports::PartitionLease& lease) override;

 private:
  Connection& connection_;
};

class PostgresBillStore final : public ports::BillStore {
 public:
  explicit PostgresBillStore(Connection& connection) : connection_(connection) {}

  std::vector<ports::UserId> billable_partition_bounds(int partitions) override;
  std::vector<ports::BillingRow> read_billing_rows(const domain::YearMonth& month, ports::UserId after,
                                                   ports::UserId up_to, std::size_t limit) override;
  void commit_bills(const ports::PartitionLease& lease, std::span<const domain::Bill> bills, ports::UserId checkpoint,
                    std::chrono::milliseconds renewal) override;
  void for_each_bill(const domain::YearMonth& month,
                     const std::function<void(const domain::Bill&)>& visit) override;
  Counts count_bills(const domain::YearMonth& month) override;

 private:
  Connection& connection_;
};

// Dispatch targets: invoice inputs are read one page per query (bill joined with its customer
// and existing target); targets are written by COPY into a session-local staging table and
// applied with one INSERT ... ON CONFLICT, which never touches a target in a delivery status.
class PostgresTargetStore final : public ports::TargetStore {
 public:
  explicit PostgresTargetStore(Connection& connection) : connection_(connection) {}

  std::vector<ports::UserId> issued_partition_bounds(const domain::YearMonth& month, int partitions) override;
  std::vector<ports::InvoiceInput> read_invoice_inputs(const domain::YearMonth& month, ports::UserId after,
                                                       ports::UserId up_to, std::size_t limit) override;
  std::vector<ports::InvoiceInput> read_invoice_inputs_for(const domain::YearMonth& month,
                                                           std::span<const ports::UserId> user_ids) override;
  std::vector<ports::UserId> failed_target_users(const domain::YearMonth& month) override;
  void commit_targets(const ports::PartitionLease& lease, std::span<const ports::DispatchTarget> targets,
                      ports::UserId checkpoint, std::chrono::milliseconds renewal) override;
  std::int64_t store_targets(std::span<const ports::DispatchTarget> targets) override;
  std::optional<ports::DispatchTarget> find_target(const domain::YearMonth& month, ports::UserId user_id) override;
  void for_each_target(const domain::YearMonth& month,
                       const std::function<void(const ports::DispatchTarget&)>& visit) override;

 private:
  // Inside the caller's transaction: stages the encoded rows and upserts them; returns how many
  // targets were inserted or updated.
  std::int64_t upsert_staged(const std::string& copy_rows);

  Connection& connection_;
};

class PostgresDatabase final : public ports::Database {
 public:
  // `url`: postgresql://user[:password]@host:port/database[?options], or any connection string
  // libpq accepts. Throws ports::DatabaseError (without the password) when it cannot connect.
  explicit PostgresDatabase(const std::string& url);
  ~PostgresDatabase() override;

  std::string_view backend() const override { return "postgres"; }
  bool writes_in_parallel() const override { return true; }
  // Applies the pending files of migrations/postgres/, each in its own transaction, serialised
  // across processes by an advisory lock and recorded in schema_migration.
  void migrate() override;
  ports::CustomerStore& customers() override { return customers_; }
  ports::WorkLedger& work() override { return work_; }
  ports::BillStore& bills() override { return bills_; }
  ports::TargetStore& targets() override { return targets_; }
  ports::PolicyStore& policies() override { return policies_; }
  ports::DeliveryStore& deliveries() override { return deliveries_; }

 private:
  std::unique_ptr<Connection> connection_;
  PostgresCustomerStore customers_;
  PostgresWorkLedger work_;
  PostgresBillStore bills_;
  PostgresTargetStore targets_;
  PostgresPolicyStore policies_;
  PostgresDeliveryStore deliveries_;
};

}  // namespace tr1l::adapters::postgres
