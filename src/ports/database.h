// The relational store, as the jobs see it: narrow interfaces behind one connection.
// Backends: adapters/sqlite (embedded default) and adapters/postgres. One Database object is one
// connection and is used from one thread at a time; open more for parallel work.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/bill.h"
#include "domain/calendar.h"
#include "domain/customer.h"

namespace tr1l::ports {

using domain::UserId;

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------------
// Customers: bulk loading (seed, import) and lookups.

// A customer row as stored: contact details are ciphertext (crypto/pii_cipher.h) plus a keyed
// blind index for lookups, both absent when the customer has no such contact.
struct StoredCustomer {
  UserId user_id = 0;
  std::string name;
  domain::Date birth_date;
  std::optional<std::string> email_ciphertext;
  std::optional<std::string> email_index;
  std::optional<std::string> phone_ciphertext;
  std::optional<std::string> phone_index;
  std::optional<std::string> plan_code;
  std::optional<std::string> welfare_code;
  domain::CustomerStatus status = domain::CustomerStatus::Active;
  domain::Role role = domain::Role::User;
  std::optional<int> send_day;    // 1-31
  std::optional<int> quiet_from;  // hour 0-23
  std::optional<int> quiet_to;    // hour 0-23
};

struct ContractRow {
  UserId user_id = 0;
  domain::ContractTerm term;
};
struct AddOnRow {
  UserId user_id = 0;
  domain::AddOnSubscription subscription;
};
struct MilitaryRow {
  UserId user_id = 0;
  domain::MilitaryService service;
};
struct UsageRow {
  UserId user_id = 0;
  domain::YearMonth month;
  std::int64_t used_mb = 0;
};

// Buffers rows and writes them in large transactions. Rows become visible at flush(); the
// destructor does not flush, so an abandoned load leaves nothing half-written behind.
class CustomerLoader {
 public:
  virtual ~CustomerLoader() = default;
  virtual void add(const StoredCustomer& customer) = 0;
  virtual void add(const ContractRow& contract) = 0;
  virtual void add(const AddOnRow& add_on) = 0;
  virtual void add(const MilitaryRow& military) = 0;
  virtual void add(const UsageRow& usage) = 0;
  virtual void flush() = 0;
};

// One customer's contact ciphertexts, for the jobs that decrypt (invoice, delivery, key rotation).
struct ContactCiphertexts {
  UserId user_id = 0;
  std::optional<std::string> email_ciphertext;
  std::optional<std::string> phone_ciphertext;
};

class CustomerStore {
 public:
  virtual ~CustomerStore() = default;
  virtual std::unique_ptr<CustomerLoader> open_loader() = 0;
  virtual std::int64_t count_customers() = 0;
  // Every customer id in ascending order (8 bytes each: a million ids is 8 MB).
  virtual std::vector<UserId> all_user_ids() = 0;
  // Ids of the military rows and usage (user, month) keys already stored, for import's
  // uniqueness checks against earlier loads.
  virtual std::vector<UserId> user_ids_with_military() = 0;
  virtual std::vector<std::pair<UserId, std::string>> usage_keys() = 0;
  // Users whose blind index equals `index` ("email" or "phone" column).
  virtual std::vector<UserId> find_by_contact_index(const std::string& column, const std::string& index) = 0;
  // Contact ciphertexts of users with id in (after, ...], ascending, at most `limit`.
  virtual std::vector<ContactCiphertexts> contact_page(UserId after, std::size_t limit) = 0;
  // Replaces a user's contact ciphertexts (key rotation); indexes are unchanged.
  virtual void update_contacts(std::span<const ContactCiphertexts> contacts) = 0;
};

// ---------------------------------------------------------------------------------------------
// Work ledger: the run gate and leased partitions shared by every monthly job.

enum class JobKind { Settlement, Invoicing };
std::string_view to_string(JobKind kind);

enum class RunStatus { Running, Completed };

struct RunState {
  RunStatus status = RunStatus::Running;
  int partitions = 0;
  int partitions_done = 0;
};

// A worker's hold on one partition: the user ids (low, high] of the run, of which everything up
// to `checkpoint` is already committed. The lease lapses at the deadline unless renewed by a
// chunk commit; a commit by a worker that lost its lease is refused (fencing).
struct PartitionLease {
  JobKind job = JobKind::Settlement;
  domain::YearMonth month;
  int partition = 0;
  UserId low_exclusive = 0;
  UserId high_inclusive = 0;
  UserId checkpoint = 0;
  std::string owner;
};

class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WorkLedger {
 public:
  virtual ~WorkLedger() = default;
  // Creates the run with one partition per upper bound (ascending; the last covers every id
  // after the previous bound) unless it exists; returns its state either way. Safe to race.
  virtual RunState open_run(JobKind job, const domain::YearMonth& month, const std::vector<UserId>& upper_bounds) = 0;
  virtual std::optional<RunState> run_state(JobKind job, const domain::YearMonth& month) = 0;
  // Leases the first partition that is not done and not held by a live lease.
  virtual std::optional<PartitionLease> lease_partition(JobKind job, const domain::YearMonth& month,
                                                        const std::string& owner, std::chrono::milliseconds duration) = 0;
  // Leases currently held (not done), for finding ones whose owner process is gone.
  virtual std::vector<PartitionLease> held_leases(JobKind job, const domain::YearMonth& month) = 0;
  // Ends a lease early if `lease.owner` still holds it; returns whether it did.
  virtual bool expire_lease(const PartitionLease& lease) = 0;
  // Marks the partition done (fenced). Marks the run Completed when it was the last one.
  virtual RunState complete_partition(const PartitionLease& lease) = 0;
};

// ---------------------------------------------------------------------------------------------
// Settlement input and output.

// One billable customer (ACTIVE, USER, with a plan) and the inputs of one month.
struct BillingRow {
  domain::BillingAccount account;  // account.contact is left for the job to judge
  std::optional<std::string> email_ciphertext;
  std::optional<std::string> phone_ciphertext;
};

class BillStore {
 public:
  virtual ~BillStore() = default;
  // Upper bounds splitting the billable customers into about `partitions` equal parts.
  virtual std::vector<UserId> billable_partition_bounds(int partitions) = 0;
  // Billable customers with id in (after, up_to], ascending, at most `limit`, with their
  // contracts, add-ons, military service and the month's usage.
  virtual std::vector<BillingRow> read_billing_rows(const domain::YearMonth& month, UserId after, UserId up_to,
                                                    std::size_t limit) = 0;
  // In one transaction: stores the bills, moves the lease's checkpoint and renews the lease.
  // Throws LeaseLost (and stores nothing) when `lease.owner` no longer holds the partition.
  virtual void commit_bills(const PartitionLease& lease, std::span<const domain::Bill> bills, UserId checkpoint,
                            std::chrono::milliseconds renewal) = 0;
  // Every bill of the month in user id order.
  virtual void for_each_bill(const domain::YearMonth& month, const std::function<void(const domain::Bill&)>& visit) = 0;
  struct Counts {
    std::int64_t issued = 0;
    std::int64_t failed = 0;
  };
  virtual Counts count_bills(const domain::YearMonth& month) = 0;
};

// ---------------------------------------------------------------------------------------------

class TargetStore;    // ports/dispatch_targets.h
class PolicyStore;    // ports/delivery_store.h
class DeliveryStore;  // ports/delivery_store.h

class Database {
 public:
  virtual ~Database() = default;
  virtual std::string_view backend() const = 0;  // "sqlite" or "postgres"
  // Whether two connections' write transactions run at the same time (PostgreSQL) rather than
  // in turn (SQLite): a job opens a second writing connection only where that overlaps work.
  virtual bool writes_in_parallel() const = 0;
  // Applies the migrations in migrations/<backend>/ that have not been applied yet.
  virtual void migrate() = 0;
  virtual CustomerStore& customers() = 0;
  virtual WorkLedger& work() = 0;
  virtual BillStore& bills() = 0;
  virtual TargetStore& targets() = 0;
  virtual PolicyStore& policies() = 0;
  virtual DeliveryStore& deliveries() = 0;
};

// Opens a new connection to the configured database; each worker thread gets its own.
using DatabaseFactory = std::function<std::unique_ptr<Database>()>;

}  // namespace tr1l::ports
