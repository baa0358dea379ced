#include "adapters/sqlite/sqlite_database.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "adapters/sql/bill_lines_codec.h"
#include "adapters/sqlite/sqlite_delivery_store.h"
#include "adapters/sqlite/sqlite_handle.h"
#include "adapters/sqlite/sqlite_target_row.h"
#include "ports/dispatch_targets.h"
#include "common/embedded_resources.h"

namespace tr1l::adapters::sqlite {
namespace {

using domain::Date;
using domain::UserId;
using domain::YearMonth;
using ports::DatabaseError;

constexpr UserId kLowestId = std::numeric_limits<UserId>::min();
constexpr UserId kHighestId = std::numeric_limits<UserId>::max();

std::int64_t now_milliseconds() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_timestamp() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

Date date_column(const Statement& statement, int column) {
  auto date = Date::parse(statement.text(column));
  if (!date) throw DatabaseError("stored date '" + statement.text(column) + "' is malformed");
  return *date;
}

std::optional<Date> optional_date_column(const Statement& statement, int column) {
  if (statement.is_null(column)) return std::nullopt;
  return date_column(statement, column);
}

// The bill columns in the order read_bill() expects them, for queries over `bill b`.
constexpr const char* kBillColumns =
    "b.user_id, b.status, b.plan_code, b.plan_name, b.plan_charge, b.excess_data, b.addons, b.subtotal, "
    "b.contract_discount, b.military_discount, b.welfare_discount, b.total, b.supply_value, b.vat, b.lines, "
    "b.error_code, b.error_message";
constexpr int kBillColumnCount = 17;

domain::Bill read_bill(const Statement& select, const YearMonth& month) {
  domain::Bill bill;
  bill.month = month;
  bill.user_id = select.integer(0);
  bill.status = select.text(1) == "ISSUED" ? domain::BillStatus::Issued : domain::BillStatus::Failed;
  bill.plan_code = select.text(2);
  bill.plan_name = select.optional_text(3).value_or("");
  if (bill.status == domain::BillStatus::Issued) {
    domain::Won* amounts[] = {&bill.plan_charge,      &bill.excess_data,       &bill.add_ons,
                              &bill.subtotal,         &bill.contract_discount, &bill.military_discount,
                              &bill.welfare_discount, &bill.total,             &bill.supply_value,
                              &bill.vat};
    for (int index = 0; index < 10; ++index) *amounts[index] = domain::Won(select.integer(4 + index));
    bill.lines = sql::decode_bill_lines(select.text(14));
  } else {
    bill.error_code = select.optional_text(15).value_or("");
    bill.error_message = select.optional_text(16).value_or("");
  }
  return bill;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

class SqliteCustomerLoader : public ports::CustomerLoader {
 public:
  explicit SqliteCustomerLoader(Connection& connection) : connection_(connection) {}

  void add(const ports::StoredCustomer& customer) override { customers_.push_back(customer); }
  void add(const ports::ContractRow& contract) override { contracts_.push_back(contract); }
  void add(const ports::AddOnRow& add_on) override { add_ons_.push_back(add_on); }
  void add(const ports::MilitaryRow& military) override { military_.push_back(military); }
  void add(const ports::UsageRow& usage) override { usage_.push_back(usage); }

  void flush() override {
    Transaction transaction(connection_);
    Statement insert_customer(connection_,
                              "INSERT INTO customer (user_id, name, birth_date, email_ciphertext, email_index, "
                              "phone_ciphertext, phone_index, plan_code, welfare_code, status, role, send_day, "
                              "quiet_from, quiet_to) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& customer : customers_) {
      insert_customer.bind(1, customer.user_id)
          .bind(2, customer.name)
          .bind(3, customer.birth_date.to_string())
          .bind_optional_blob(4, customer.email_ciphertext)
          .bind_optional_blob(5, customer.email_index)
          .bind_optional_blob(6, customer.phone_ciphertext)
          .bind_optional_blob(7, customer.phone_index)
          .bind_optional(8, customer.plan_code)
          .bind_optional(9, customer.welfare_code)
          .bind(10, domain::to_string(customer.status))
          .bind(11, domain::to_string(customer.role))
          .bind_optional(12, customer.send_day)
          .bind_optional(13, customer.quiet_from)
          .bind_optional(14, customer.quiet_to)
          .run();
    }
    Statement insert_contract(connection_, "INSERT INTO contract (user_id, start_date, end_date) VALUES (?,?,?)");
    for (const auto& contract : contracts_) {
      insert_contract.bind(1, contract.user_id)
          .bind(2, contract.term.start.to_string())
          .bind(3, contract.term.end.to_string())
          .run();
    }
    Statement insert_add_on(connection_,
                            "INSERT INTO addon_subscription (user_id, option_code, start_date, end_date) VALUES (?,?,?,?)");
    for (const auto& add_on : add_ons_) {
      insert_add_on.bind(1, add_on.user_id)
          .bind(2, add_on.subscription.add_on_code)
          .bind(3, add_on.subscription.start.to_string())
          .bind(4, add_on.subscription.end.to_string())
          .run();
    }
    Statement insert_military(connection_, "INSERT INTO military_service (user_id, start_date, end_date) VALUES (?,?,?)");
    for (const auto& military : military_) {
      insert_military.bind(1, military.user_id).bind(2, military.service.start.to_string());
      if (military.service.end) {
        insert_military.bind(3, military.service.end->to_string());
      } else {
        insert_military.bind_null(3);
      }
      insert_military.run();
    }
    Statement insert_usage(connection_, "INSERT INTO data_usage (user_id, month, used_mb) VALUES (?,?,?)");
    for (const auto& usage : usage_) {
      insert_usage.bind(1, usage.user_id).bind(2, usage.month.to_string()).bind(3, usage.used_mb).run();
    }
    transaction.commit();
    customers_.clear();
    contracts_.clear();
    add_ons_.clear();
    military_.clear();
    usage_.clear();
  }

 private:
  Connection& connection_;
  std::vector<ports::StoredCustomer> customers_;
  std::vector<ports::ContractRow> contracts_;
  std::vector<ports::AddOnRow> add_ons_;
  std::vector<ports::MilitaryRow> military_;
  std::vector<ports::UsageRow> usage_;
};

class SqliteCustomerStore : public ports::CustomerStore {
 public:
  explicit SqliteCustomerStore(Connection& connection) : connection_(connection) {}

  std::unique_ptr<ports::CustomerLoader> open_loader() override {
    return std::make_unique<SqliteCustomerLoader>(connection_);
  }

  std::int64_t count_customers() override {
    Statement statement(connection_, "SELECT count(*) FROM customer");
    statement.step();
    return statement.integer(0);
  }

  std::vector<UserId> all_user_ids() override { return id_list("SELECT user_id FROM customer ORDER BY user_id"); }

  std::vector<UserId> user_ids_with_military() override {
    return id_list("SELECT user_id FROM military_service ORDER BY user_id");
  }

  std::vector<std::pair<UserId, std::string>> usage_keys() override {
    std::vector<std::pair<UserId, std::string>> keys;
    Statement statement(connection_, "SELECT user_id, month FROM data_usage ORDER BY user_id, month");
    while (statement.step()) keys.emplace_back(statement.integer(0), statement.text(1));
    return keys;
  }

  std::vector<UserId> find_by_contact_index(const std::string& column, const std::string& index) override {
    if (column != "email" && column != "phone") throw DatabaseError("unknown contact column " + column);
    Statement statement(connection_, "SELECT user_id FROM customer WHERE " + column + "_index = ? ORDER BY user_id");
    statement.bind_blob(1, index);
    std::vector<UserId> ids;
    while (statement.step()) ids.push_back(statement.integer(0));
    return ids;
  }

  std::vector<ports::ContactCiphertexts> contact_page(UserId after, std::size_t limit) override {
    Statement statement(connection_,
                        "SELECT user_id, email_ciphertext, phone_ciphertext FROM customer WHERE user_id > ? "
                        "ORDER BY user_id LIMIT ?");
    statement.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ports::ContactCiphertexts> page;
    while (statement.step()) {
      page.push_back({statement.integer(0), statement.optional_blob(1), statement.optional_blob(2)});
    }
    return page;
  }

  void update_contacts(std::span<const ports::ContactCiphertexts> contacts) override {
    Transaction transaction(connection_);
    Statement update(connection_, "UPDATE customer SET email_ciphertext = ?, phone_ciphertext = ? WHERE user_id = ?");
    for (const auto& contact : contacts) {
      update.bind_optional_blob(1, contact.email_ciphertext)
          .bind_optional_blob(2, contact.phone_ciphertext)
          .bind(3, contact.user_id)
          .run();
    }
    transaction.commit();
  }

 private:
  std::vector<UserId> id_list(const char* sql) {
    Statement statement(connection_, sql);
    std::vector<UserId> ids;
    while (statement.step()) ids.push_back(statement.integer(0));
    return ids;
  }

  Connection& connection_;
};

// ---------------------------------------------------------------------------------------------

class SqliteWorkLedger : public ports::WorkLedger {
 public:
  explicit SqliteWorkLedger(Connection& connection) : connection_(connection) {}

  ports::RunState open_run(ports::JobKind job, const YearMonth& month, const std::vector<UserId>& upper_bounds) override {
    Transaction transaction(connection_);
    if (auto state = read_state(job, month)) {
      transaction.commit();
      return *state;
    }
    const std::size_t partitions = std::max<std::size_t>(1, upper_bounds.size());
    Statement insert_run(connection_,
                         "INSERT INTO job_run (job, month, status, partitions, started_at) VALUES (?,?,'RUNNING',?,?)");
    insert_run.bind(1, ports::to_string(job))
        .bind(2, month.to_string())
        .bind(3, static_cast<std::int64_t>(partitions))
        .bind(4, now_timestamp())
        .run();
    Statement insert_partition(connection_,
                               "INSERT INTO job_partition (job, month, partition, low_exclusive, high_inclusive, "
                               "checkpoint, status) VALUES (?,?,?,?,?,?,'PENDING')");
    UserId low = kLowestId;
    for (std::size_t index = 0; index < partitions; ++index) {
      const UserId high = index + 1 == partitions ? kHighestId : upper_bounds[index];
      insert_partition.bind(1, ports::to_string(job))
          .bind(2, month.to_string())
          .bind(3, static_cast<std::int64_t>(index))
          .bind(4, low)
          .bind(5, high)
          .bind(6, low)
          .run();
      low = high;
    }
    transaction.commit();
    return ports::RunState{ports::RunStatus::Running, static_cast<int>(partitions), 0};
  }

  std::optional<ports::RunState> run_state(ports::JobKind job, const YearMonth& month) override {
    return read_state(job, month);
  }

  std::optional<ports::PartitionLease> lease_partition(ports::JobKind job, const YearMonth& month,
                                                       const std::string& owner,
                                                       std::chrono::milliseconds duration) override {
    Transaction transaction(connection_);
    const std::int64_t now = now_milliseconds();
    Statement select(connection_,
                     "SELECT partition, low_exclusive, high_inclusive, checkpoint FROM job_partition "
                     "WHERE job = ? AND month = ? AND status = 'PENDING' "
                     "AND (owner IS NULL OR lease_expires_ms < ?) ORDER BY partition LIMIT 1");
    select.bind(1, ports::to_string(job)).bind(2, month.to_string()).bind(3, now);
    if (!select.step()) return std::nullopt;
    ports::PartitionLease lease{job,           month, static_cast<int>(select.integer(0)), select.integer(1),
                                select.integer(2), select.integer(3), owner};
    select.reset();
    Statement update(connection_,
                     "UPDATE job_partition SET owner = ?, lease_expires_ms = ? "
                     "WHERE job = ? AND month = ? AND partition = ?");
    update.bind(1, owner)
        .bind(2, now + duration.count())
        .bind(3, ports::to_string(job))
        .bind(4, month.to_string())
        .bind(5, lease.partition)
        .run();
    transaction.commit();
    return lease;
  }

  std::vector<ports::PartitionLease> held_leases(ports::JobKind job, const YearMonth& month) override {
    Statement select(connection_,
                     "SELECT partition, low_exclusive, high_inclusive, checkpoint, owner FROM job_partition "
                     "WHERE job = ? AND month = ? AND status = 'PENDING' AND owner IS NOT NULL ORDER BY partition");
    select.bind(1, ports::to_string(job)).bind(2, month.to_string());
    std::vector<ports::PartitionLease> leases;
    while (select.step()) {
      leases.push_back({job, month, static_cast<int>(select.integer(0)), select.integer(1), select.integer(2),
                        select.integer(3), select.text(4)});
    }
    return leases;
  }

  bool expire_lease(const ports::PartitionLease& lease) override {
    Transaction transaction(connection_);
    Statement update(connection_,
                     "UPDATE job_partition SET owner = NULL, lease_expires_ms = NULL "
                     "WHERE job = ? AND month = ? AND partition = ? AND owner = ? AND status = 'PENDING'");
    bind_lease(update, lease, 1).run();
    const bool expired = sqlite3_changes(connection_.handle()) == 1;
    transaction.commit();
    return expired;
  }

  ports::RunState complete_partition(const ports::PartitionLease& lease) override {
    Transaction transaction(connection_);
    Statement update(connection_,
                     "UPDATE job_partition SET status = 'DONE', owner = NULL, lease_expires_ms = NULL "
                     "WHERE job = ? AND month = ? AND partition = ? AND owner = ? AND status = 'PENDING'");
    bind_lease(update, lease, 1).run();
    if (sqlite3_changes(connection_.handle()) != 1) {
      throw ports::LeaseLost("partition " + std::to_string(lease.partition) + " is no longer held by " + lease.owner);
    }
    Statement remaining(connection_,
                        "SELECT count(*) FROM job_partition WHERE job = ? AND month = ? AND status = 'PENDING'");
    remaining.bind(1, ports::to_string(lease.job)).bind(2, lease.month.to_string());
    remaining.step();
    if (remaining.integer(0) == 0) {
      remaining.reset();
      Statement finish(connection_,
                       "UPDATE job_run SET status = 'COMPLETED', finished_at = ? WHERE job = ? AND month = ?");
      finish.bind(1, now_timestamp()).bind(2, ports::to_string(lease.job)).bind(3, lease.month.to_string()).run();
    }
    auto state = read_state(lease.job, lease.month);
    transaction.commit();
    return *state;
  }

  // Binds job, month, partition, owner starting at `first` (shared by the fenced statements).
  static Statement& bind_lease(Statement& statement, const ports::PartitionLease& lease, int first) {
    return statement.bind(first, ports::to_string(lease.job))
        .bind(first + 1, lease.month.to_string())
        .bind(first + 2, lease.partition)
        .bind(first + 3, lease.owner);
  }

 private:
  std::optional<ports::RunState> read_state(ports::JobKind job, const YearMonth& month) {
    Statement select(connection_,
                     "SELECT r.status, r.partitions, "
                     "(SELECT count(*) FROM job_partition p WHERE p.job = r.job AND p.month = r.month "
                     "AND p.status = 'DONE') FROM job_run r WHERE r.job = ? AND r.month = ?");
    select.bind(1, ports::to_string(job)).bind(2, month.to_string());
    if (!select.step()) return std::nullopt;
    ports::RunState state{select.text(0) == "COMPLETED" ? ports::RunStatus::Completed : ports::RunStatus::Running,
                          static_cast<int>(select.integer(1)), static_cast<int>(select.integer(2))};
    select.reset();
    return state;
  }

  Connection& connection_;
};

// ---------------------------------------------------------------------------------------------

// The fenced renewal every chunk commit starts with, inside the chunk's transaction: moves the
// partition checkpoint and extends the lease only while `lease.owner` still holds it.
class LeaseRenewal {
 public:
  explicit LeaseRenewal(Connection& connection)
      : connection_(connection),
        update_(connection,
                "UPDATE job_partition SET checkpoint = ?, lease_expires_ms = ? "
                "WHERE job = ? AND month = ? AND partition = ? AND owner = ? AND status = 'PENDING'") {}

  // Throws LeaseLost (the caller's transaction then rolls back) when the lease is gone.
  void renew(const ports::PartitionLease& lease, UserId checkpoint, std::chrono::milliseconds renewal) {
    update_.bind(1, checkpoint).bind(2, now_milliseconds() + renewal.count());
    SqliteWorkLedger::bind_lease(update_, lease, 3).run();
    if (sqlite3_changes(connection_.handle()) != 1) {
      throw ports::LeaseLost("partition " + std::to_string(lease.partition) + " of " +
                             std::string(ports::to_string(lease.job)) + " " + lease.month.to_string() +
                             " is no longer held by " + lease.owner);
    }
  }

 private:
  Connection& connection_;
  Statement update_;
};

// ---------------------------------------------------------------------------------------------

class SqliteBillStore : public ports::BillStore {
 public:
  explicit SqliteBillStore(Connection& connection)
      : connection_(connection),
        select_customers_(connection,
                          "SELECT user_id, plan_code, welfare_code, email_ciphertext, phone_ciphertext FROM customer "
                          "WHERE user_id > ? AND user_id <= ? AND status = 'ACTIVE' AND role = 'USER' "
                          "AND plan_code IS NOT NULL ORDER BY user_id LIMIT ?"),
        select_contracts_(connection,
                          "SELECT user_id, start_date, end_date FROM contract WHERE user_id > ? AND user_id <= ? "
                          "ORDER BY user_id"),
        select_add_ons_(connection,
                        "SELECT user_id, option_code, start_date, end_date FROM addon_subscription "
                        "WHERE user_id > ? AND user_id <= ? ORDER BY user_id"),
        select_military_(connection,
                         "SELECT user_id, start_date, end_date FROM military_service WHERE user_id > ? AND user_id <= ? "
                         "ORDER BY user_id"),
        select_usage_(connection,
                      "SELECT user_id, used_mb FROM data_usage WHERE user_id > ? AND user_id <= ? AND month = ? "
                      "ORDER BY user_id"),
        lease_renewal_(connection),
        insert_bill_(connection,
                     "INSERT INTO bill (month, user_id, status, plan_code, plan_name, plan_charge, excess_data, addons, "
                     "subtotal, contract_discount, military_discount, welfare_discount, total, supply_value, vat, lines, "
                     "error_code, error_message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)") {}

  // Every k-th billable id plus the last one, so there are about `partitions` parts of equal size.
  std::vector<UserId> billable_partition_bounds(int partitions) override {
    Statement count(connection_,
                    "SELECT count(*) FROM customer WHERE status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL");
    count.step();
    const std::int64_t billable = count.integer(0);
    count.reset();
    if (billable == 0) return {};
    const std::int64_t wanted = std::clamp<std::int64_t>(partitions, 1, billable);
    const std::int64_t step = (billable + wanted - 1) / wanted;
    Statement select(connection_,
                     "SELECT user_id FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS position "
                     "FROM customer WHERE status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL) "
                     "WHERE position % ? = 0 OR position = ? ORDER BY user_id");
    select.bind(1, step).bind(2, billable);
    std::vector<UserId> bounds;
    while (select.step()) bounds.push_back(select.integer(0));
    return bounds;
  }

  std::vector<ports::BillingRow> read_billing_rows(const YearMonth& month, UserId after, UserId up_to,
                                                   std::size_t limit) override {
    std::vector<ports::BillingRow> rows;
    select_customers_.bind(1, after).bind(2, up_to).bind(3, static_cast<std::int64_t>(limit));
    while (select_customers_.step()) {
      ports::BillingRow row;
      row.account.user_id = select_customers_.integer(0);
      row.account.plan_code = select_customers_.text(1);
      row.account.welfare_code = select_customers_.optional_text(2);
      row.email_ciphertext = select_customers_.optional_blob(3);
      row.phone_ciphertext = select_customers_.optional_blob(4);
      rows.push_back(std::move(row));
    }
    if (rows.empty()) return rows;
    const UserId last = rows.back().account.user_id;

    // The related tables are read by id range and merged in one pass: both sides are in user order.
    auto merge = [&](Statement& statement, auto&& attach) {
      std::size_t cursor = 0;
      while (statement.step()) {
        const UserId user_id = statement.integer(0);
        while (cursor < rows.size() && rows[cursor].account.user_id < user_id) ++cursor;
        if (cursor < rows.size() && rows[cursor].account.user_id == user_id) attach(rows[cursor].account);
      }
    };
    select_contracts_.bind(1, after).bind(2, last);
    merge(select_contracts_, [&](domain::BillingAccount& account) {
      account.contracts.push_back({date_column(select_contracts_, 1), date_column(select_contracts_, 2)});
    });
    select_add_ons_.bind(1, after).bind(2, last);
    merge(select_add_ons_, [&](domain::BillingAccount& account) {
      account.add_ons.push_back(
          {select_add_ons_.text(1), date_column(select_add_ons_, 2), date_column(select_add_ons_, 3)});
    });
    select_military_.bind(1, after).bind(2, last);
    merge(select_military_, [&](domain::BillingAccount& account) {
      account.military = domain::MilitaryService{date_column(select_military_, 1), optional_date_column(select_military_, 2)};
    });
    select_usage_.bind(1, after).bind(2, last).bind(3, month.to_string());
    merge(select_usage_, [&](domain::BillingAccount& account) { account.used_mb = select_usage_.integer(1); });
    return rows;
  }

  void commit_bills(const ports::PartitionLease& lease, std::span<const domain::Bill> bills, UserId checkpoint,
                    std::chrono::milliseconds renewal) override {
    Transaction transaction(connection_);
    lease_renewal_.renew(lease, checkpoint, renewal);
    const std::string month = lease.month.to_string();
    for (const domain::Bill& bill : bills) {
      insert_bill_.bind(1, month).bind(2, bill.user_id).bind(3, domain::to_string(bill.status)).bind(4, bill.plan_code);
      if (bill.status == domain::BillStatus::Issued) {
        insert_bill_.bind(5, bill.plan_name)
            .bind(6, bill.plan_charge.amount())
            .bind(7, bill.excess_data.amount())
            .bind(8, bill.add_ons.amount())
            .bind(9, bill.subtotal.amount())
            .bind(10, bill.contract_discount.amount())
            .bind(11, bill.military_discount.amount())
            .bind(12, bill.welfare_discount.amount())
            .bind(13, bill.total.amount())
            .bind(14, bill.supply_value.amount())
            .bind(15, bill.vat.amount())
            .bind(16, sql::encode_bill_lines(bill.lines))
            .bind_null(17)
            .bind_null(18);
      } else {
        for (int column = 5; column <= 16; ++column) insert_bill_.bind_null(column);
        insert_bill_.bind(17, bill.error_code).bind(18, bill.error_message);
      }
      insert_bill_.run();
    }
    transaction.commit();
  }

  void for_each_bill(const YearMonth& month, const std::function<void(const domain::Bill&)>& visit) override {
    Statement select(connection_,
                     std::string("SELECT ") + kBillColumns + " FROM bill b WHERE b.month = ? ORDER BY b.user_id");
    select.bind(1, month.to_string());
    while (select.step()) visit(read_bill(select, month));
  }

  Counts count_bills(const YearMonth& month) override {
    Statement select(connection_,
                     "SELECT coalesce(sum(status = 'ISSUED'), 0), coalesce(sum(status = 'FAILED'), 0) "
                     "FROM bill WHERE month = ?");
    select.bind(1, month.to_string());
    select.step();
    Counts counts{select.integer(0), select.integer(1)};
    select.reset();
    return counts;
  }

 private:
  Connection& connection_;
  Statement select_customers_;
  Statement select_contracts_;
  Statement select_add_ons_;
  Statement select_military_;
  Statement select_usage_;
  LeaseRenewal lease_renewal_;
  Statement insert_bill_;
};

// ---------------------------------------------------------------------------------------------

class SqliteTargetStore : public ports::TargetStore {
 public:
  explicit SqliteTargetStore(Connection& connection)
      : connection_(connection),
        upsert_(connection,
                "INSERT INTO dispatch_target (month, user_id, status, invoice_revision, email_ciphertext, "
                "phone_ciphertext, email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, "
                "sms_sha256, send_day, quiet_from, quiet_to, error, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (month, user_id) DO UPDATE SET status = excluded.status, "
                "invoice_revision = excluded.invoice_revision, email_ciphertext = excluded.email_ciphertext, "
                "phone_ciphertext = excluded.phone_ciphertext, email_bucket = excluded.email_bucket, "
                "email_key = excluded.email_key, email_size = excluded.email_size, "
                "email_sha256 = excluded.email_sha256, sms_bucket = excluded.sms_bucket, sms_key = excluded.sms_key, "
                "sms_size = excluded.sms_size, sms_sha256 = excluded.sms_sha256, send_day = excluded.send_day, "
                "quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, error = excluded.error, "
                "updated_at = excluded.updated_at "
                "WHERE dispatch_target.status IN ('READY', 'FAILED')"),
        lease_renewal_(connection) {}

  std::vector<UserId> issued_partition_bounds(const YearMonth& month, int partitions) override {
    Statement count(connection_, "SELECT count(*) FROM bill WHERE month = ? AND status = 'ISSUED'");
    count.bind(1, month.to_string());
    count.step();
    const std::int64_t issued = count.integer(0);
    count.reset();
    if (issued == 0) return {};
    const std::int64_t wanted = std::clamp<std::int64_t>(partitions, 1, issued);
    const std::int64_t step = (issued + wanted - 1) / wanted;
    Statement select(connection_,
                     "SELECT user_id FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS position "
                     "FROM bill WHERE month = ? AND status = 'ISSUED') WHERE position % ? = 0 OR position = ? "
                     "ORDER BY user_id");
    select.bind(1, month.to_string()).bind(2, step).bind(3, issued);
    std::vector<UserId> bounds;
    while (select.step()) bounds.push_back(select.integer(0));
    return bounds;
  }

  std::vector<ports::InvoiceInput> read_invoice_inputs(const YearMonth& month, UserId after, UserId up_to,
                                                       std::size_t limit) override {
    Statement select(connection_,
                     invoice_input_query() + " AND b.user_id > ? AND b.user_id <= ? ORDER BY b.user_id LIMIT ?");
    select.bind(1, month.to_string()).bind(2, after).bind(3, up_to).bind(4, static_cast<std::int64_t>(limit));
    std::vector<ports::InvoiceInput> inputs;
    while (select.step()) inputs.push_back(read_input(select, month));
    return inputs;
  }

  std::vector<ports::InvoiceInput> read_invoice_inputs_for(const YearMonth& month,
                                                           std::span<const UserId> user_ids) override {
    Statement select(connection_, invoice_input_query() + " AND b.user_id = ?");
    std::vector<ports::InvoiceInput> inputs;
    for (UserId user_id : user_ids) {
      select.bind(1, month.to_string()).bind(2, user_id);
      while (select.step()) inputs.push_back(read_input(select, month));
    }
    return inputs;
  }

  std::vector<UserId> failed_target_users(const YearMonth& month) override {
    Statement select(connection_,
                     "SELECT user_id FROM dispatch_target WHERE month = ? AND status = 'FAILED' ORDER BY user_id");
    select.bind(1, month.to_string());
    std::vector<UserId> users;
    while (select.step()) users.push_back(select.integer(0));
    return users;
  }

  void commit_targets(const ports::PartitionLease& lease, std::span<const ports::DispatchTarget> targets,
                      UserId checkpoint, std::chrono::milliseconds renewal) override {
    Transaction transaction(connection_);
    lease_renewal_.renew(lease, checkpoint, renewal);
    upsert_all(targets);
    transaction.commit();
  }

  std::int64_t store_targets(std::span<const ports::DispatchTarget> targets) override {
    Transaction transaction(connection_);
    const std::int64_t stored = upsert_all(targets);
    transaction.commit();
    return stored;
  }

  std::optional<ports::DispatchTarget> find_target(const YearMonth& month, UserId user_id) override {
    Statement select(connection_,
                     "SELECT " + std::string(kTargetColumns) + " FROM dispatch_target WHERE month = ? AND user_id = ?");
    select.bind(1, month.to_string()).bind(2, user_id);
    if (!select.step()) return std::nullopt;
    auto target = read_target(select, month);
    select.reset();
    return target;
  }

  void for_each_target(const YearMonth& month, const std::function<void(const ports::DispatchTarget&)>& visit) override {
    Statement select(connection_,
                     "SELECT " + std::string(kTargetColumns) + " FROM dispatch_target WHERE month = ? ORDER BY user_id");
    select.bind(1, month.to_string());
    while (select.step()) visit(read_target(select, month));
  }

 private:
  static std::string invoice_input_query() {
    return std::string("SELECT ") + kBillColumns +
           ", c.name, c.email_ciphertext, c.phone_ciphertext, c.send_day, c.quiet_from, c.quiet_to, t.status, "
           "t.invoice_revision FROM bill b JOIN customer c ON c.user_id = b.user_id "
           "LEFT JOIN dispatch_target t ON t.month = b.month AND t.user_id = b.user_id "
           "WHERE b.month = ? AND b.status = 'ISSUED'";
  }

  static ports::InvoiceInput read_input(const Statement& select, const YearMonth& month) {
    ports::InvoiceInput input;
    input.bill = read_bill(select, month);
    const int first = kBillColumnCount;
    input.name = select.text(first);
    input.email_ciphertext = select.optional_blob(first + 1);
    input.phone_ciphertext = select.optional_blob(first + 2);
    input.send_day = optional_small(select, first + 3);
    input.quiet_from = optional_small(select, first + 4);
    input.quiet_to = optional_small(select, first + 5);
    input.target_status = select.optional_text(first + 6);
    input.target_revision = static_cast<int>(select.optional_integer(first + 7).value_or(0));
    return input;
  }

  void bind_object(int first, const std::optional<ports::StoredObjectReference>& object) {
    if (object) {
      upsert_.bind(first, object->bucket).bind(first + 1, object->key).bind(first + 2, object->size).bind(first + 3, object->sha256_hex);
    } else {
      for (int column = first; column < first + 4; ++column) upsert_.bind_null(column);
    }
  }

  std::int64_t upsert_all(std::span<const ports::DispatchTarget> targets) {
    const std::string now = now_timestamp();
    std::int64_t stored = 0;
    for (const ports::DispatchTarget& target : targets) {
      upsert_.bind(1, target.month.to_string())
          .bind(2, target.user_id)
          .bind(3, target.status)
          .bind(4, target.invoice_revision)
          .bind_optional_blob(5, target.email_ciphertext)
          .bind_optional_blob(6, target.phone_ciphertext);
      bind_object(7, target.email_object);
      bind_object(11, target.sms_object);
      upsert_.bind_optional(15, target.send_day).bind_optional(16, target.quiet_from).bind_optional(17, target.quiet_to);
      if (target.error.empty()) {
        upsert_.bind_null(18);
      } else {
        upsert_.bind(18, target.error);
      }
      upsert_.bind(19, now).run();
      stored += sqlite3_changes(connection_.handle());
    }
    return stored;
  }

  Connection& connection_;
  Statement upsert_;
  LeaseRenewal lease_renewal_;
};


// ---------------------------------------------------------------------------------------------

struct SqliteDatabase::State {
  explicit State(const std::string& path) : connection(path) {}
  Connection connection;
  std::unique_ptr<SqliteCustomerStore> customers;
  std::unique_ptr<SqliteWorkLedger> work;
  std::unique_ptr<SqliteBillStore> bills;
  std::unique_ptr<SqliteTargetStore> targets;
  std::unique_ptr<SqlitePolicyStore> policies;
  std::unique_ptr<SqliteDeliveryStore> deliveries;
};

SqliteDatabase::SqliteDatabase(const std::string& path) : state_(std::make_unique<State>(path)) {}
SqliteDatabase::~SqliteDatabase() = default;

void SqliteDatabase::migrate() {
  Connection& connection = state_->connection;
  Transaction transaction(connection);
  connection.execute(
      "CREATE TABLE IF NOT EXISTS schema_migration (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
  for (const embedded::Resource& migration : embedded::with_prefix("migrations/sqlite/")) {
    Statement applied(connection, "SELECT 1 FROM schema_migration WHERE version = ?");
    applied.bind(1, migration.name);
    if (applied.step()) continue;
    connection.execute(std::string(migration.content));
    Statement record(connection, "INSERT INTO schema_migration (version, applied_at) VALUES (?, ?)");
    record.bind(1, migration.name).bind(2, now_timestamp()).run();
  }
  transaction.commit();
}

// The stores prepare their statements against the schema, so they are created after migrate().
ports::CustomerStore& SqliteDatabase::customers() {
  if (!state_->customers) state_->customers = std::make_unique<SqliteCustomerStore>(state_->connection);
  return *state_->customers;
}

ports::WorkLedger& SqliteDatabase::work() {
  if (!state_->work) state_->work = std::make_unique<SqliteWorkLedger>(state_->connection);
  return *state_->work;
}

ports::BillStore& SqliteDatabase::bills() {
  if (!state_->bills) state_->bills = std::make_unique<SqliteBillStore>(state_->connection);
  return *state_->bills;
}

ports::TargetStore& SqliteDatabase::targets() {
  if (!state_->targets) state_->targets = std::make_unique<SqliteTargetStore>(state_->connection);
  return *state_->targets;
}

ports::PolicyStore& SqliteDatabase::policies() {
  if (!state_->policies) state_->policies = std::make_unique<SqlitePolicyStore>(state_->connection);
  return *state_->policies;
}

ports::DeliveryStore& SqliteDatabase::deliveries() {
  if (!state_->deliveries) state_->deliveries = std::make_unique<SqliteDeliveryStore>(state_->connection);
  return *state_->deliveries;
}

}  // namespace tr1l::adapters::sqlite
