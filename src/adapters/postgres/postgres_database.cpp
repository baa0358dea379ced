#include "adapters/postgres/postgres_database.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "adapters/postgres/copy_text.h"
#include "adapters/postgres/postgres_connection.h"
#include "adapters/postgres/postgres_target_row.h"
#include "adapters/sql/bill_lines_codec.h"
#include "common/embedded_resources.h"

namespace tr1l::adapters::postgres {
namespace {

using ports::UserId;

constexpr UserId kLowestUserId = std::numeric_limits<UserId>::min();
constexpr UserId kHighestUserId = std::numeric_limits<UserId>::max();

constexpr std::string_view kMigrationPrefix = "migrations/postgres/";
// Any fixed key works as long as every TR1L migrator uses the same one ("tr1l_mig" in ASCII).
constexpr std::int64_t kMigrationLockKey = 0x7472316c5f6d6967;

// Rows per keyset page of for_each_bill and for_each_target: large enough that round trips do not
// matter, small enough that a month of rows never sits in memory.
constexpr std::int64_t kPageSize = 5000;

constexpr std::string_view kReadOnlySnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

// ---------------------------------------------------------------------------------------------
// SQL. Billable = ACTIVE, USER and with a plan (SPEC §4); the partial index customer_billable
// has exactly this predicate.

constexpr std::string_view kCopyCustomers =
    "COPY customer (user_id, name, birth_date, email_ciphertext, email_index, phone_ciphertext, phone_index,"
    " plan_code, welfare_code, status, role, send_day, quiet_from, quiet_to) FROM STDIN";
constexpr std::string_view kCopyContracts = "COPY contract (user_id, start_date, end_date) FROM STDIN";
constexpr std::string_view kCopyAddOns =
    "COPY addon_subscription (user_id, option_code, start_date, end_date) FROM STDIN";
constexpr std::string_view kCopyMilitary = "COPY military_service (user_id, start_date, end_date) FROM STDIN";
constexpr std::string_view kCopyUsage = "COPY data_usage (user_id, month, used_mb) FROM STDIN";
constexpr std::string_view kCopyBills =
    "COPY bill (month, user_id, status, plan_code, plan_name, plan_charge, excess_data, addons, subtotal,"
    " contract_discount, military_discount, welfare_discount, total, supply_value, vat, lines, error_code,"
    " error_message) FROM STDIN";

constexpr std::string_view kBillingCustomers = R"sql(
SELECT user_id, plan_code, welfare_code, email_ciphertext, phone_ciphertext
FROM customer
WHERE user_id > $1::bigint AND user_id <= $2::bigint
  AND status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL
ORDER BY user_id
LIMIT $3::bigint)sql";

constexpr std::string_view kBillingContracts = R"sql(
SELECT user_id, start_date, end_date
FROM contract
WHERE user_id > $1::bigint AND user_id <= $2::bigint
ORDER BY user_id, contract_id)sql";

constexpr std::string_view kBillingAddOns = R"sql(
SELECT user_id, option_code, start_date, end_date
FROM addon_subscription
WHERE user_id > $1::bigint AND user_id <= $2::bigint
ORDER BY user_id, subscription_id)sql";

constexpr std::string_view kBillingMilitary = R"sql(
SELECT user_id, start_date, end_date
FROM military_service
WHERE user_id > $1::bigint AND user_id <= $2::bigint
ORDER BY user_id)sql";

constexpr std::string_view kBillingUsage = R"sql(
SELECT user_id, used_mb
FROM data_usage
WHERE user_id > $1::bigint AND user_id <= $2::bigint AND month = $3::text
ORDER BY user_id)sql";

constexpr std::string_view kCountBillable = R"sql(
SELECT count(*) FROM customer
WHERE status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL)sql";

// Every k-th billable id, plus the last one, as partition upper bounds.
constexpr std::string_view kBillableBounds = R"sql(
SELECT user_id
FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS position
      FROM customer
      WHERE status = 'ACTIVE' AND role = 'USER' AND plan_code IS NOT NULL) AS numbered
WHERE position % $1::bigint = 0 OR position = $2::bigint
ORDER BY user_id)sql";

constexpr std::string_view kInsertRun = R"sql(
INSERT INTO job_run (job, month, status, partitions, started_at)
VALUES ($1::text, $2::text, 'RUNNING', $3::integer, now())
ON CONFLICT (job, month) DO NOTHING)sql";

constexpr std::string_view kInsertPartitions = R"sql(
INSERT INTO job_partition (job, month, partition, low_exclusive, high_inclusive, checkpoint, status)
SELECT $1::text, $2::text, bounds.position - 1, bounds.low_exclusive, bounds.high_inclusive,
       bounds.low_exclusive, 'PENDING'
FROM unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS bounds (low_exclusive, high_inclusive, position)
ON CONFLICT (job, month, partition) DO NOTHING)sql";

constexpr std::string_view kRunState = R"sql(
SELECT run.status, run.partitions,
       (SELECT count(*) FROM job_partition AS part
        WHERE part.job = run.job AND part.month = run.month AND part.status = 'DONE')
FROM job_run AS run
WHERE run.job = $1::text AND run.month = $2::text)sql";

// SKIP LOCKED: a partition another worker is leasing right now is passed over, not waited for,
// so concurrent workers never end up with the same one.
constexpr std::string_view kLeasePartition = R"sql(
UPDATE job_partition AS leased
SET owner = $3::text, lease_expires_at = now() + $4::bigint * interval '1 millisecond'
FROM (SELECT job, month, partition
      FROM job_partition
      WHERE job = $1::text AND month = $2::text AND status = 'PENDING'
        AND (owner IS NULL OR lease_expires_at < now())
      ORDER BY partition
      LIMIT 1
      FOR UPDATE SKIP LOCKED) AS candidate
WHERE leased.job = candidate.job AND leased.month = candidate.month AND leased.partition = candidate.partition
RETURNING leased.partition, leased.low_exclusive, leased.high_inclusive, leased.checkpoint)sql";

// Live leases only: an expired one is already free for any worker to take.
constexpr std::string_view kHeldLeases = R"sql(
SELECT partition, low_exclusive, high_inclusive, checkpoint, owner
FROM job_partition
WHERE job = $1::text AND month = $2::text AND status = 'PENDING'
  AND owner IS NOT NULL AND lease_expires_at >= now()
ORDER BY partition)sql";

constexpr std::string_view kExpireLease = R"sql(
UPDATE job_partition
SET owner = NULL, lease_expires_at = NULL
WHERE job = $1::text AND month = $2::text AND partition = $3::integer AND owner = $4::text
  AND status = 'PENDING')sql";

// The fence of every chunk commit: only the current owner of a pending partition may move it.
constexpr std::string_view kRenewLease = R"sql(
UPDATE job_partition
SET checkpoint = $5::bigint, lease_expires_at = now() + $6::bigint * interval '1 millisecond'
WHERE job = $1::text AND month = $2::text AND partition = $3::integer AND owner = $4::text
  AND status = 'PENDING')sql";

constexpr std::string_view kLockRun = R"sql(
SELECT 1 FROM job_run WHERE job = $1::text AND month = $2::text FOR UPDATE)sql";

constexpr std::string_view kFinishPartition = R"sql(
UPDATE job_partition
SET status = 'DONE', checkpoint = high_inclusive, lease_expires_at = NULL
WHERE job = $1::text AND month = $2::text AND partition = $3::integer AND owner = $4::text
  AND status = 'PENDING')sql";

constexpr std::string_view kPartitionOwnership = R"sql(
SELECT status, owner FROM job_partition
WHERE job = $1::text AND month = $2::text AND partition = $3::integer)sql";

constexpr std::string_view kCompleteRun = R"sql(
UPDATE job_run
SET status = 'COMPLETED', finished_at = now()
WHERE job = $1::text AND month = $2::text AND status = 'RUNNING'
  AND NOT EXISTS (SELECT 1 FROM job_partition
                  WHERE job = $1::text AND month = $2::text AND status = 'PENDING'))sql";

constexpr std::string_view kBillPage = R"sql(
SELECT user_id, status, plan_code, plan_name, plan_charge, excess_data, addons, subtotal,
       contract_discount, military_discount, welfare_discount, total, supply_value, vat,
       lines, error_code, error_message
FROM bill
WHERE month = $1::text AND user_id > $2::bigint
ORDER BY user_id
LIMIT $3::bigint)sql";

constexpr std::string_view kCountBills = R"sql(
SELECT count(*) FILTER (WHERE status = 'ISSUED'), count(*) FILTER (WHERE status = 'FAILED')
FROM bill
WHERE month = $1::text)sql";

constexpr std::string_view kContactPage = R"sql(
SELECT user_id, email_ciphertext, phone_ciphertext
FROM customer
WHERE user_id > $1::bigint
ORDER BY user_id
LIMIT $2::bigint)sql";

// ---------------------------------------------------------------------------------------------
// Dispatch targets. A bill is invoiced when ISSUED; its customer and any existing target come
// along in the same query so a page costs one round trip.

constexpr std::string_view kCountIssued = R"sql(
SELECT count(*) FROM bill WHERE month = $1::text AND status = 'ISSUED')sql";

constexpr std::string_view kIssuedBounds = R"sql(
SELECT user_id
FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS position
      FROM bill
      WHERE month = $1::text AND status = 'ISSUED') AS numbered
WHERE position % $2::bigint = 0 OR position = $3::bigint
ORDER BY user_id)sql";

// The bill columns come first, in the order read_bill() expects.
constexpr std::string_view kInvoiceInputPage = R"sql(
SELECT b.user_id, b.status, b.plan_code, b.plan_name, b.plan_charge, b.excess_data, b.addons, b.subtotal,
       b.contract_discount, b.military_discount, b.welfare_discount, b.total, b.supply_value, b.vat,
       b.lines, b.error_code, b.error_message,
       c.name, c.email_ciphertext, c.phone_ciphertext, c.send_day, c.quiet_from, c.quiet_to,
       t.status, t.invoice_revision
FROM bill AS b
JOIN customer AS c ON c.user_id = b.user_id
LEFT JOIN dispatch_target AS t ON t.month = b.month AND t.user_id = b.user_id
WHERE b.month = $1::text AND b.status = 'ISSUED' AND b.user_id > $2::bigint AND b.user_id <= $3::bigint
ORDER BY b.user_id
LIMIT $4::bigint)sql";

constexpr std::string_view kInvoiceInputsFor = R"sql(
SELECT b.user_id, b.status, b.plan_code, b.plan_name, b.plan_charge, b.excess_data, b.addons, b.subtotal,
       b.contract_discount, b.military_discount, b.welfare_discount, b.total, b.supply_value, b.vat,
       b.lines, b.error_code, b.error_message,
       c.name, c.email_ciphertext, c.phone_ciphertext, c.send_day, c.quiet_from, c.quiet_to,
       t.status, t.invoice_revision
FROM bill AS b
JOIN customer AS c ON c.user_id = b.user_id
LEFT JOIN dispatch_target AS t ON t.month = b.month AND t.user_id = b.user_id
WHERE b.month = $1::text AND b.status = 'ISSUED' AND b.user_id = ANY($2::bigint[])
ORDER BY b.user_id)sql";

constexpr std::string_view kFailedTargetUsers = R"sql(
SELECT user_id FROM dispatch_target
WHERE month = $1::text AND status = 'FAILED'
ORDER BY user_id)sql";

// Both select the columns in read_target()'s order (postgres_target_row.h).
constexpr std::string_view kFindTarget = R"sql(
SELECT user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
       email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256,
       send_day, quiet_from, quiet_to, error
FROM dispatch_target
WHERE month = $1::text AND user_id = $2::bigint)sql";

constexpr std::string_view kTargetPage = R"sql(
SELECT user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
       email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256,
       send_day, quiet_from, quiet_to, error
FROM dispatch_target
WHERE month = $1::text AND user_id > $2::bigint
ORDER BY user_id
LIMIT $3::bigint)sql";

// Session-local and emptied at every commit, so concurrent writers never see each other's rows
// and nothing is left behind.
constexpr std::string_view kCreateTargetStaging = R"sql(
CREATE TEMPORARY TABLE IF NOT EXISTS dispatch_target_staging (
  month            TEXT    NOT NULL,
  user_id          BIGINT  NOT NULL,
  status           TEXT    NOT NULL,
  invoice_revision INTEGER NOT NULL,
  email_ciphertext BYTEA,
  phone_ciphertext BYTEA,
  email_bucket     TEXT,
  email_key        TEXT,
  email_size       BIGINT,
  email_sha256     TEXT,
  sms_bucket       TEXT,
  sms_key          TEXT,
  sms_size         BIGINT,
  sms_sha256       TEXT,
  send_day         SMALLINT,
  quiet_from       SMALLINT,
  quiet_to         SMALLINT,
  error            TEXT
) ON COMMIT DELETE ROWS)sql";

constexpr std::string_view kCopyTargetStaging =
    "COPY dispatch_target_staging (month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,"
    " email_bucket, email_key, email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256, send_day,"
    " quiet_from, quiet_to, error) FROM STDIN";

// One statement for the whole chunk (the staged keys are unique: see encode_targets). The WHERE
// of DO UPDATE is the rule that the invoice job never reopens a target dispatch or delivery
// owns; rows it skips do not count as affected.
constexpr std::string_view kUpsertStagedTargets = R"sql(
INSERT INTO dispatch_target (month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
                             email_bucket, email_key, email_size, email_sha256,
                             sms_bucket, sms_key, sms_size, sms_sha256,
                             send_day, quiet_from, quiet_to, error, updated_at)
SELECT month, user_id, status, invoice_revision, email_ciphertext, phone_ciphertext,
       email_bucket, email_key, email_size, email_sha256,
       sms_bucket, sms_key, sms_size, sms_sha256,
       send_day, quiet_from, quiet_to, error, now()
FROM dispatch_target_staging
ON CONFLICT (month, user_id) DO UPDATE
SET status = excluded.status,
    invoice_revision = excluded.invoice_revision,
    email_ciphertext = excluded.email_ciphertext,
    phone_ciphertext = excluded.phone_ciphertext,
    email_bucket = excluded.email_bucket,
    email_key = excluded.email_key,
    email_size = excluded.email_size,
    email_sha256 = excluded.email_sha256,
    sms_bucket = excluded.sms_bucket,
    sms_key = excluded.sms_key,
    sms_size = excluded.sms_size,
    sms_sha256 = excluded.sms_sha256,
    send_day = excluded.send_day,
    quiet_from = excluded.quiet_from,
    quiet_to = excluded.quiet_to,
    error = excluded.error,
    updated_at = excluded.updated_at
WHERE dispatch_target.status IN ('READY', 'FAILED'))sql";

// ---------------------------------------------------------------------------------------------

std::string job_text(ports::JobKind job) { return std::string(ports::to_string(job)); }

std::string describe(const ports::PartitionLease& lease) {
  return job_text(lease.job) + " " + lease.month.to_string() + " partition " + std::to_string(lease.partition);
}

std::int64_t clamp_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

std::string bigint_array(std::span<const UserId> values) {
  std::string text = "{";
  for (std::size_t index = 0; index < values.size(); ++index) {
    if (index > 0) text += ',';
    text += std::to_string(values[index]);
  }
  return text + "}";
}

ports::RunState read_run_state(const PGresult* result) {
  ports::RunState state;
  state.status = text_value(result, 0, 0) == "COMPLETED" ? ports::RunStatus::Completed : ports::RunStatus::Running;
  state.partitions = static_cast<int>(int64_value(result, 0, 1));
  state.partitions_done = static_cast<int>(int64_value(result, 0, 2));
  return state;
}

// Hands each row of `result` (ordered by user_id in column 0) to the billing row of that user;
// rows of users that are not on the page (not billable) are skipped.
template <typename Attach>
void attach_by_user(const PGresult* result, std::vector<ports::BillingRow>& rows, Attach attach) {
  std::size_t index = 0;
  const int count = PQntuples(result);
  for (int row = 0; row < count; ++row) {
    const UserId user_id = int64_value(result, row, 0);
    while (index < rows.size() && rows[index].account.user_id < user_id) ++index;
    if (index == rows.size()) return;
    if (rows[index].account.user_id == user_id) attach(rows[index], row);
  }
}

domain::BillStatus parse_bill_status(std::string_view text) {
  if (text == "ISSUED") return domain::BillStatus::Issued;
  if (text == "FAILED") return domain::BillStatus::Failed;
  throw ports::DatabaseError("stored bill has unknown status '" + std::string(text) + "'");
}

domain::Won amount_at(const PGresult* result, int row, int column) {
  return domain::Won(is_null(result, row, column) ? 0 : int64_value(result, row, column));
}

// A bill from the first kBillColumnCount columns of a row, in the column order of kBillPage.
constexpr int kBillColumnCount = 17;

domain::Bill read_bill(const PGresult* result, int row, const domain::YearMonth& month) {
  domain::Bill bill;
  bill.month = month;
  bill.user_id = int64_value(result, row, 0);
  bill.status = parse_bill_status(text_value(result, row, 1));
  bill.plan_code = std::string(text_value(result, row, 2));
  bill.plan_name = optional_text(result, row, 3).value_or("");
  bill.plan_charge = amount_at(result, row, 4);
  bill.excess_data = amount_at(result, row, 5);
  bill.add_ons = amount_at(result, row, 6);
  bill.subtotal = amount_at(result, row, 7);
  bill.contract_discount = amount_at(result, row, 8);
  bill.military_discount = amount_at(result, row, 9);
  bill.welfare_discount = amount_at(result, row, 10);
  bill.total = amount_at(result, row, 11);
  bill.supply_value = amount_at(result, row, 12);
  bill.vat = amount_at(result, row, 13);
  if (!is_null(result, row, 14)) bill.lines = sql::decode_bill_lines(text_value(result, row, 14));
  bill.error_code = optional_text(result, row, 15).value_or("");
  bill.error_message = optional_text(result, row, 16).value_or("");
  return bill;
}

void write_bill(CopyTextWriter& writer, const domain::Bill& bill, const std::string& month) {
  auto optional_text = [](const std::string& text) {
    return text.empty() ? std::optional<std::string>() : std::optional<std::string>(text);
  };
  writer.field(month)
      .field(bill.user_id)
      .field(domain::to_string(bill.status))
      .field(bill.plan_code)
      .field(bill.plan_name)
      .field(bill.plan_charge.amount())
      .field(bill.excess_data.amount())
      .field(bill.add_ons.amount())
      .field(bill.subtotal.amount())
      .field(bill.contract_discount.amount())
      .field(bill.military_discount.amount())
      .field(bill.welfare_discount.amount())
      .field(bill.total.amount())
      .field(bill.supply_value.amount())
      .field(bill.vat.amount())
      .field(sql::encode_bill_lines(bill.lines))
      .field(optional_text(bill.error_code))
      .field(optional_text(bill.error_message))
      .end_row();
}

// The invoice input of a kInvoiceInputPage / kInvoiceInputsFor row.
ports::InvoiceInput read_invoice_input(const PGresult* result, int row, const domain::YearMonth& month) {
  ports::InvoiceInput input;
  input.bill = read_bill(result, row, month);
  const int first = kBillColumnCount;
  input.name = std::string(text_value(result, row, first));
  input.email_ciphertext = optional_bytes(result, row, first + 1);
  input.phone_ciphertext = optional_bytes(result, row, first + 2);
  input.send_day = optional_int(result, row, first + 3);
  input.quiet_from = optional_int(result, row, first + 4);
  input.quiet_to = optional_int(result, row, first + 5);
  input.target_status = optional_text(result, row, first + 6);
  input.target_revision = optional_int(result, row, first + 7).value_or(0);
  return input;
}

std::vector<ports::InvoiceInput> read_invoice_inputs_of(const PGresult* result, const domain::YearMonth& month) {
  std::vector<ports::InvoiceInput> inputs;
  const int count = PQntuples(result);
  inputs.reserve(static_cast<std::size_t>(count));
  for (int row = 0; row < count; ++row) inputs.push_back(read_invoice_input(result, row, month));
  return inputs;
}

void write_object(CopyTextWriter& writer, const std::optional<ports::StoredObjectReference>& object) {
  if (object) {
    writer.field(object->bucket).field(object->key).field(object->size).field(object->sha256_hex);
  } else {
    writer.null_field().null_field().null_field().null_field();
  }
}

// One staging row in kCopyTargetStaging's column order.
void write_target(CopyTextWriter& writer, const ports::DispatchTarget& target) {
  writer.field(target.month.to_string())
      .field(target.user_id)
      .field(target.status)
      .field(static_cast<std::int64_t>(target.invoice_revision))
      .bytes_field(target.email_ciphertext)
      .bytes_field(target.phone_ciphertext);
  write_object(writer, target.email_object);
  write_object(writer, target.sms_object);
  writer.field(target.send_day).field(target.quiet_from).field(target.quiet_to);
  if (target.error.empty()) {
    writer.null_field();
  } else {
    writer.field(target.error);
  }
  writer.end_row();
}

// The staging rows of a chunk. ON CONFLICT may not touch a row twice in one statement, so a
// target listed more than once is sent once, as its last version (what one upsert per row would
// leave). A chunk from the invoice job is already in ascending key order and is sent as it is;
// sorting here rather than with DISTINCT ON in the upsert makes that statement about 15% faster.
CopyTextWriter encode_targets(std::span<const ports::DispatchTarget> targets) {
  std::vector<const ports::DispatchTarget*> ordered;
  ordered.reserve(targets.size());
  for (const ports::DispatchTarget& target : targets) ordered.push_back(&target);
  const auto before = [](const ports::DispatchTarget* left, const ports::DispatchTarget* right) {
    return std::tie(left->month, left->user_id) < std::tie(right->month, right->user_id);
  };
  const auto not_before = [&before](const ports::DispatchTarget* left, const ports::DispatchTarget* right) {
    return !before(left, right);
  };
  if (std::adjacent_find(ordered.begin(), ordered.end(), not_before) != ordered.end()) {
    std::stable_sort(ordered.begin(), ordered.end(), before);
    // Of each run of equal keys keep the last one, which stable_sort left last.
    std::vector<const ports::DispatchTarget*> last_versions;
    last_versions.reserve(ordered.size());
    for (std::size_t index = 0; index < ordered.size(); ++index) {
      if (index + 1 == ordered.size() || before(ordered[index], ordered[index + 1])) {
        last_versions.push_back(ordered[index]);
      }
    }
    ordered = std::move(last_versions);
  }
  CopyTextWriter rows;
  for (const ports::DispatchTarget* target : ordered) write_target(rows, *target);
  return rows;
}

// ---------------------------------------------------------------------------------------------

class PostgresCustomerLoader final : public ports::CustomerLoader {
 public:
  explicit PostgresCustomerLoader(Connection& connection) : connection_(connection) {}

  void add(const ports::StoredCustomer& customer) override {
    customers_.field(customer.user_id)
        .field(customer.name)
        .field(customer.birth_date)
        .bytes_field(customer.email_ciphertext)
        .bytes_field(customer.email_index)
        .bytes_field(customer.phone_ciphertext)
        .bytes_field(customer.phone_index)
        .field(customer.plan_code)
        .field(customer.welfare_code)
        .field(domain::to_string(customer.status))
        .field(domain::to_string(customer.role))
        .field(customer.send_day)
        .field(customer.quiet_from)
        .field(customer.quiet_to)
        .end_row();
  }

  void add(const ports::ContractRow& contract) override {
    contracts_.field(contract.user_id).field(contract.term.start).field(contract.term.end).end_row();
  }

  void add(const ports::AddOnRow& add_on) override {
    add_ons_.field(add_on.user_id)
        .field(add_on.subscription.add_on_code)
        .field(add_on.subscription.start)
        .field(add_on.subscription.end)
        .end_row();
  }

  void add(const ports::MilitaryRow& military) override {
    military_.field(military.user_id).field(military.service.start).field(military.service.end).end_row();
  }

  void add(const ports::UsageRow& usage) override {
    usage_.field(usage.user_id).field(usage.month.to_string()).field(usage.used_mb).end_row();
  }

  // One transaction, one COPY per table, customers first so the other tables' foreign keys find
  // them. A failed flush rolls everything back and drops the buffered rows.
  void flush() override {
    try {
      if (!customers_.empty() || !contracts_.empty() || !add_ons_.empty() || !military_.empty() || !usage_.empty()) {
        Transaction transaction(connection_);
        copy(kCopyCustomers, customers_);
        copy(kCopyContracts, contracts_);
        copy(kCopyAddOns, add_ons_);
        copy(kCopyMilitary, military_);
        copy(kCopyUsage, usage_);
        transaction.commit();
      }
    } catch (...) {
      clear();
      throw;
    }
    clear();
  }

 private:
  void copy(std::string_view copy_sql, const CopyTextWriter& rows) {
    if (!rows.empty()) connection_.copy_in(copy_sql, rows.data());
  }

  void clear() {
    for (CopyTextWriter* writer : {&customers_, &contracts_, &add_ons_, &military_, &usage_}) writer->clear();
  }

  Connection& connection_;
  CopyTextWriter customers_;
  CopyTextWriter contracts_;
  CopyTextWriter add_ons_;
  CopyTextWriter military_;
  CopyTextWriter usage_;
};

std::vector<UserId> copy_out_ids(Connection& connection, std::string_view copy_sql) {
  std::vector<UserId> ids;
  connection.copy_out(copy_sql, [&ids](std::string_view row) {
    if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
    ids.push_back(parse_int64(row));
  });
  return ids;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Database

PostgresDatabase::PostgresDatabase(const std::string& url)
    : connection_(std::make_unique<Connection>(url)),
      customers_(*connection_),
      work_(*connection_),
      bills_(*connection_),
      targets_(*connection_),
      policies_(*connection_),
      deliveries_(*connection_) {}

PostgresDatabase::~PostgresDatabase() = default;

void PostgresDatabase::migrate() {
  const std::vector<embedded::Resource> files = embedded::with_prefix(kMigrationPrefix);
  if (files.empty()) throw ports::DatabaseError("no PostgreSQL migrations are embedded in this binary");
  for (const embedded::Resource& file : files) {
    std::string_view name = file.name.substr(kMigrationPrefix.size());
    if (!name.ends_with(".sql")) continue;
    const std::string version(name.substr(0, name.size() - 4));

    // The advisory lock makes a concurrent migrator wait here and then find the version applied.
    Transaction transaction(*connection_);
    connection_->execute("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
    connection_->execute(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    Result applied = connection_->execute("SELECT 1 FROM schema_migration WHERE version = $1::text",
                                          Params().add(version));
    if (PQntuples(applied.get()) == 0) {
      try {
        connection_->execute(file.content);
      } catch (const ports::DatabaseError& error) {
        throw ports::DatabaseError("migration " + version + " failed: " + error.what());
      }
      connection_->execute("INSERT INTO schema_migration (version, applied_at) VALUES ($1::text, now())",
                           Params().add(version));
    }
    transaction.commit();
  }
}

// ---------------------------------------------------------------------------------------------
// Customers

std::unique_ptr<ports::CustomerLoader> PostgresCustomerStore::open_loader() {
  return std::make_unique<PostgresCustomerLoader>(connection_);
}

std::int64_t PostgresCustomerStore::count_customers() {
  Result result = connection_.execute_prepared("count_customers", "SELECT count(*) FROM customer", Params());
  return int64_value(result.get(), 0, 0);
}

// COPY TO STDOUT streams rows without one big result set, which matters at a million ids.
std::vector<UserId> PostgresCustomerStore::all_user_ids() {
  return copy_out_ids(connection_, "COPY (SELECT user_id FROM customer ORDER BY user_id) TO STDOUT");
}

std::vector<UserId> PostgresCustomerStore::user_ids_with_military() {
  return copy_out_ids(connection_, "COPY (SELECT user_id FROM military_service ORDER BY user_id) TO STDOUT");
}

std::vector<std::pair<UserId, std::string>> PostgresCustomerStore::usage_keys() {
  std::vector<std::pair<UserId, std::string>> keys;
  connection_.copy_out("COPY (SELECT user_id, month FROM data_usage ORDER BY user_id, month) TO STDOUT",
                       [&keys](std::string_view row) {
                         auto fields = split_copy_text_row(row);
                         if (fields.size() != 2 || !fields[0] || !fields[1]) {
                           throw ports::DatabaseError("PostgreSQL returned a malformed usage key row");
                         }
                         keys.emplace_back(parse_int64(*fields[0]), std::move(*fields[1]));
                       });
  return keys;
}

std::vector<UserId> PostgresCustomerStore::find_by_contact_index(const std::string& column, const std::string& index) {
  Result result;
  if (column == "email") {
    result = connection_.execute_prepared(
        "find_by_email_index", "SELECT user_id FROM customer WHERE email_index = $1::bytea ORDER BY user_id",
        Params().add_bytes(index));
  } else if (column == "phone") {
    result = connection_.execute_prepared(
        "find_by_phone_index", "SELECT user_id FROM customer WHERE phone_index = $1::bytea ORDER BY user_id",
        Params().add_bytes(index));
  } else {
    throw ports::DatabaseError("unknown contact index column '" + column + "' (expected email or phone)");
  }
  std::vector<UserId> ids;
  for (int row = 0; row < PQntuples(result.get()); ++row) ids.push_back(int64_value(result.get(), row, 0));
  return ids;
}

std::vector<ports::ContactCiphertexts> PostgresCustomerStore::contact_page(UserId after, std::size_t limit) {
  std::vector<ports::ContactCiphertexts> page;
  if (limit == 0) return page;
  Result result = connection_.execute_prepared("contact_page", kContactPage, Params().add(after).add(clamp_limit(limit)));
  const int count = PQntuples(result.get());
  page.reserve(static_cast<std::size_t>(count));
  for (int row = 0; row < count; ++row) {
    page.push_back({int64_value(result.get(), row, 0), optional_bytes(result.get(), row, 1),
                    optional_bytes(result.get(), row, 2)});
  }
  return page;
}

// Key rotation rewrites every customer, so the new ciphertexts are COPYed into a session-local
// staging table and applied with one UPDATE rather than one statement per customer.
void PostgresCustomerStore::update_contacts(std::span<const ports::ContactCiphertexts> contacts) {
  if (contacts.empty()) return;
  CopyTextWriter rows;
  for (const ports::ContactCiphertexts& contact : contacts) {
    rows.field(contact.user_id).bytes_field(contact.email_ciphertext).bytes_field(contact.phone_ciphertext).end_row();
  }
  Transaction transaction(connection_);
  connection_.execute(
      "CREATE TEMPORARY TABLE IF NOT EXISTS contact_update ("
      " user_id BIGINT PRIMARY KEY, email_ciphertext BYTEA, phone_ciphertext BYTEA) ON COMMIT DELETE ROWS");
  connection_.copy_in("COPY contact_update (user_id, email_ciphertext, phone_ciphertext) FROM STDIN", rows.data());
  Result updated = connection_.execute(
      "UPDATE customer"
      " SET email_ciphertext = contact_update.email_ciphertext, phone_ciphertext = contact_update.phone_ciphertext"
      " FROM contact_update WHERE customer.user_id = contact_update.user_id");
  const std::int64_t changed = affected_rows(updated.get());
  if (changed != static_cast<std::int64_t>(contacts.size())) {
    connection_.fail("update_contacts: " + std::to_string(static_cast<std::int64_t>(contacts.size()) - changed) +
                     " of " + std::to_string(contacts.size()) + " customers do not exist; nothing was changed");
  }
  transaction.commit();
}

// ---------------------------------------------------------------------------------------------
// Work ledger

ports::RunState PostgresWorkLedger::open_run(ports::JobKind job, const domain::YearMonth& month,
                                             const std::vector<UserId>& upper_bounds) {
  // Partition i covers (bound[i-1], bound[i]]; the ends are widened to the whole id range so no
  // customer can fall outside every partition, whatever the bounds were computed from.
  std::vector<UserId> highs = upper_bounds;
  if (highs.empty()) highs.push_back(kHighestUserId);
  highs.back() = kHighestUserId;
  std::vector<UserId> lows;
  lows.reserve(highs.size());
  lows.push_back(kLowestUserId);
  for (std::size_t index = 0; index + 1 < highs.size(); ++index) lows.push_back(highs[index]);
  for (std::size_t index = 0; index < highs.size(); ++index) {
    if (lows[index] >= highs[index]) {
      throw ports::DatabaseError("open_run " + job_text(job) + " " + month.to_string() +
                                 ": partition upper bounds must be strictly ascending (bound " +
                                 std::to_string(index) + " is " + std::to_string(highs[index]) + ")");
    }
  }

  const std::string job_name = job_text(job);
  const std::string month_text = month.to_string();
  Transaction transaction(connection_);
  Result inserted = connection_.execute_prepared(
      "insert_run", kInsertRun, Params().add(job_name).add(month_text).add(static_cast<std::int64_t>(highs.size())));
  // Zero rows: another opener created the run first, and its partitions stand.
  if (affected_rows(inserted.get()) == 1) {
    connection_.execute_prepared("insert_partitions", kInsertPartitions,
                                 Params().add(job_name).add(month_text).add(bigint_array(lows)).add(bigint_array(highs)));
  }
  Result state = connection_.execute_prepared("run_state", kRunState, Params().add(job_name).add(month_text));
  if (PQntuples(state.get()) != 1) connection_.fail("open_run: run " + job_name + " " + month_text + " vanished");
  ports::RunState run = read_run_state(state.get());
  transaction.commit();
  return run;
}

std::optional<ports::RunState> PostgresWorkLedger::run_state(ports::JobKind job, const domain::YearMonth& month) {
  Result state = connection_.execute_prepared("run_state", kRunState, Params().add(job_text(job)).add(month.to_string()));
  if (PQntuples(state.get()) == 0) return std::nullopt;
  return read_run_state(state.get());
}

std::optional<ports::PartitionLease> PostgresWorkLedger::lease_partition(ports::JobKind job,
                                                                         const domain::YearMonth& month,
                                                                         const std::string& owner,
                                                                         std::chrono::milliseconds duration) {
  Result result = connection_.execute_prepared(
      "lease_partition", kLeasePartition,
      Params().add(job_text(job)).add(month.to_string()).add(owner).add(static_cast<std::int64_t>(duration.count())));
  if (PQntuples(result.get()) == 0) return std::nullopt;
  ports::PartitionLease lease;
  lease.job = job;
  lease.month = month;
  lease.partition = static_cast<int>(int64_value(result.get(), 0, 0));
  lease.low_exclusive = int64_value(result.get(), 0, 1);
  lease.high_inclusive = int64_value(result.get(), 0, 2);
  lease.checkpoint = int64_value(result.get(), 0, 3);
  lease.owner = owner;
  return lease;
}

std::vector<ports::PartitionLease> PostgresWorkLedger::held_leases(ports::JobKind job, const domain::YearMonth& month) {
  Result result =
      connection_.execute_prepared("held_leases", kHeldLeases, Params().add(job_text(job)).add(month.to_string()));
  std::vector<ports::PartitionLease> leases;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    ports::PartitionLease lease;
    lease.job = job;
    lease.month = month;
    lease.partition = static_cast<int>(int64_value(result.get(), row, 0));
    lease.low_exclusive = int64_value(result.get(), row, 1);
    lease.high_inclusive = int64_value(result.get(), row, 2);
    lease.checkpoint = int64_value(result.get(), row, 3);
    lease.owner = std::string(text_value(result.get(), row, 4));
    leases.push_back(std::move(lease));
  }
  return leases;
}

bool PostgresWorkLedger::expire_lease(const ports::PartitionLease& lease) {
  Result result = connection_.execute_prepared(
      "expire_lease", kExpireLease,
      Params().add(job_text(lease.job)).add(lease.month.to_string()).add(lease.partition).add(lease.owner));
  return affected_rows(result.get()) == 1;
}

ports::RunState PostgresWorkLedger::complete_partition(const ports::PartitionLease& lease) {
  const std::string job_name = job_text(lease.job);
  const std::string month_text = lease.month.to_string();
  Transaction transaction(connection_);
  // Locking the run row first serialises completers: without it two workers finishing the last
  // two partitions at once would each still see the other's as pending and the run would never
  // be marked completed.
  Result run = connection_.execute_prepared("lock_run", kLockRun, Params().add(job_name).add(month_text));
  if (PQntuples(run.get()) == 0) connection_.fail("complete_partition: no run " + job_name + " " + month_text);

  Result finished = connection_.execute_prepared(
      "finish_partition", kFinishPartition, Params().add(job_name).add(month_text).add(lease.partition).add(lease.owner));
  if (affected_rows(finished.get()) == 0) {
    // Completing twice (a retry after a lost answer) is fine; completing someone else's is not.
    Result ownership = connection_.execute_prepared("partition_ownership", kPartitionOwnership,
                                                    Params().add(job_name).add(month_text).add(lease.partition));
    const bool already_done_by_owner = PQntuples(ownership.get()) == 1 &&
                                       text_value(ownership.get(), 0, 0) == "DONE" &&
                                       !is_null(ownership.get(), 0, 1) && text_value(ownership.get(), 0, 1) == lease.owner;
    if (!already_done_by_owner) {
      throw ports::LeaseLost(describe(lease) + ": owner '" + lease.owner + "' no longer holds the lease");
    }
  }
  connection_.execute_prepared("complete_run", kCompleteRun, Params().add(job_name).add(month_text));
  Result state = connection_.execute_prepared("run_state", kRunState, Params().add(job_name).add(month_text));
  ports::RunState run_state = read_run_state(state.get());
  transaction.commit();
  return run_state;
}

// ---------------------------------------------------------------------------------------------
// Bills

std::vector<UserId> PostgresBillStore::billable_partition_bounds(int partitions) {
  Transaction snapshot(connection_, kReadOnlySnapshot);
  Result counted = connection_.execute_prepared("count_billable", kCountBillable, Params());
  const std::int64_t total = int64_value(counted.get(), 0, 0);
  std::vector<UserId> bounds;
  if (total > 0) {
    const std::int64_t wanted = std::clamp<std::int64_t>(partitions, 1, total);
    const std::int64_t per_partition = (total + wanted - 1) / wanted;
    Result result =
        connection_.execute_prepared("billable_bounds", kBillableBounds, Params().add(per_partition).add(total));
    for (int row = 0; row < PQntuples(result.get()); ++row) bounds.push_back(int64_value(result.get(), row, 0));
  }
  snapshot.commit();
  return bounds;
}

std::vector<ports::BillingRow> PostgresBillStore::read_billing_rows(const domain::YearMonth& month, UserId after,
                                                                    UserId up_to, std::size_t limit) {
  std::vector<ports::BillingRow> rows;
  if (limit == 0 || after >= up_to) return rows;
  // One snapshot for the five queries so a concurrent load cannot pair a customer with rows of
  // a different moment.
  Transaction snapshot(connection_, kReadOnlySnapshot);
  Result customers = connection_.execute_prepared("billing_customers", kBillingCustomers,
                                                  Params().add(after).add(up_to).add(clamp_limit(limit)));
  const int customer_count = PQntuples(customers.get());
  if (customer_count == 0) {
    snapshot.commit();
    return rows;
  }
  rows.resize(static_cast<std::size_t>(customer_count));
  for (int row = 0; row < customer_count; ++row) {
    ports::BillingRow& billing = rows[static_cast<std::size_t>(row)];
    billing.account.user_id = int64_value(customers.get(), row, 0);
    billing.account.plan_code = std::string(text_value(customers.get(), row, 1));
    billing.account.welfare_code = optional_text(customers.get(), row, 2);
    billing.email_ciphertext = optional_bytes(customers.get(), row, 3);
    billing.phone_ciphertext = optional_bytes(customers.get(), row, 4);
  }
  customers.reset();

  // The related rows of exactly this page: ids in (after, last id of the page].
  const UserId last = rows.back().account.user_id;
  Result contracts =
      connection_.execute_prepared("billing_contracts", kBillingContracts, Params().add(after).add(last));
  attach_by_user(contracts.get(), rows, [&](ports::BillingRow& billing, int row) {
    billing.account.contracts.push_back({date_value(contracts.get(), row, 1), date_value(contracts.get(), row, 2)});
  });
  contracts.reset();

  Result add_ons = connection_.execute_prepared("billing_add_ons", kBillingAddOns, Params().add(after).add(last));
  attach_by_user(add_ons.get(), rows, [&](ports::BillingRow& billing, int row) {
    billing.account.add_ons.push_back({std::string(text_value(add_ons.get(), row, 1)),
                                       date_value(add_ons.get(), row, 2), date_value(add_ons.get(), row, 3)});
  });
  add_ons.reset();

  Result military = connection_.execute_prepared("billing_military", kBillingMilitary, Params().add(after).add(last));
  attach_by_user(military.get(), rows, [&](ports::BillingRow& billing, int row) {
    billing.account.military = domain::MilitaryService{date_value(military.get(), row, 1),
                                                       optional_date(military.get(), row, 2)};
  });
  military.reset();

  Result usage = connection_.execute_prepared("billing_usage", kBillingUsage,
                                              Params().add(after).add(last).add(month.to_string()));
  attach_by_user(usage.get(), rows, [&](ports::BillingRow& billing, int row) {
    billing.account.used_mb = int64_value(usage.get(), row, 1);
  });
  usage.reset();

  snapshot.commit();
  return rows;
}

void PostgresBillStore::commit_bills(const ports::PartitionLease& lease, std::span<const domain::Bill> bills,
                                     UserId checkpoint, std::chrono::milliseconds renewal) {
  // Encode before opening the transaction so row locks are held only while talking to the server.
  const std::string month_text = lease.month.to_string();
  CopyTextWriter rows;
  for (const domain::Bill& bill : bills) {
    if (bill.month != lease.month) {
      throw ports::DatabaseError(describe(lease) + ": bill of user " + std::to_string(bill.user_id) + " is for " +
                                 bill.month.to_string() + ", not the leased month");
    }
    write_bill(rows, bill, month_text);
  }

  Transaction transaction(connection_);
  Result renewed = connection_.execute_prepared("renew_lease", kRenewLease,
                                                Params()
                                                    .add(job_text(lease.job))
                                                    .add(month_text)
                                                    .add(lease.partition)
                                                    .add(lease.owner)
                                                    .add(checkpoint)
                                                    .add(static_cast<std::int64_t>(renewal.count())));
  if (affected_rows(renewed.get()) == 0) {
    // The destructor rolls back: nothing of this chunk is stored.
    throw ports::LeaseLost(describe(lease) + ": owner '" + lease.owner +
                           "' no longer holds the lease; the chunk was not stored");
  }
  if (!rows.empty()) connection_.copy_in(kCopyBills, rows.data());
  transaction.commit();
}

// Keyset pages rather than one long-lived cursor: memory stays bounded, no transaction stays
// open while the visitor works, and the visitor may itself use this connection.
void PostgresBillStore::for_each_bill(const domain::YearMonth& month,
                                      const std::function<void(const domain::Bill&)>& visit) {
  const std::string month_text = month.to_string();
  UserId after = kLowestUserId;
  for (;;) {
    Result page =
        connection_.execute_prepared("bill_page", kBillPage, Params().add(month_text).add(after).add(kPageSize));
    const PGresult* result = page.get();
    const int count = PQntuples(result);
    for (int row = 0; row < count; ++row) {
      const domain::Bill bill = read_bill(result, row, month);
      after = bill.user_id;
      visit(bill);
    }
    if (count < kPageSize) return;
  }
}

ports::BillStore::Counts PostgresBillStore::count_bills(const domain::YearMonth& month) {
  Result result = connection_.execute_prepared("count_bills", kCountBills, Params().add(month.to_string()));
  return Counts{int64_value(result.get(), 0, 0), int64_value(result.get(), 0, 1)};
}

// ---------------------------------------------------------------------------------------------
// Dispatch targets

std::vector<UserId> PostgresTargetStore::issued_partition_bounds(const domain::YearMonth& month, int partitions) {
  const std::string month_text = month.to_string();
  Transaction snapshot(connection_, kReadOnlySnapshot);
  Result counted = connection_.execute_prepared("count_issued", kCountIssued, Params().add(month_text));
  const std::int64_t total = int64_value(counted.get(), 0, 0);
  std::vector<UserId> bounds;
  if (total > 0) {
    const std::int64_t wanted = std::clamp<std::int64_t>(partitions, 1, total);
    const std::int64_t per_partition = (total + wanted - 1) / wanted;
    Result result = connection_.execute_prepared("issued_bounds", kIssuedBounds,
                                                 Params().add(month_text).add(per_partition).add(total));
    for (int row = 0; row < PQntuples(result.get()); ++row) bounds.push_back(int64_value(result.get(), row, 0));
  }
  snapshot.commit();
  return bounds;
}

std::vector<ports::InvoiceInput> PostgresTargetStore::read_invoice_inputs(const domain::YearMonth& month,
                                                                          UserId after, UserId up_to,
                                                                          std::size_t limit) {
  if (limit == 0 || after >= up_to) return {};
  Result page = connection_.execute_prepared(
      "invoice_input_page", kInvoiceInputPage,
      Params().add(month.to_string()).add(after).add(up_to).add(clamp_limit(limit)));
  return read_invoice_inputs_of(page.get(), month);
}

std::vector<ports::InvoiceInput> PostgresTargetStore::read_invoice_inputs_for(const domain::YearMonth& month,
                                                                              std::span<const UserId> user_ids) {
  if (user_ids.empty()) return {};
  Result result = connection_.execute_prepared("invoice_inputs_for", kInvoiceInputsFor,
                                               Params().add(month.to_string()).add(bigint_array(user_ids)));
  return read_invoice_inputs_of(result.get(), month);
}

std::vector<UserId> PostgresTargetStore::failed_target_users(const domain::YearMonth& month) {
  Result result =
      connection_.execute_prepared("failed_target_users", kFailedTargetUsers, Params().add(month.to_string()));
  std::vector<UserId> users;
  users.reserve(static_cast<std::size_t>(PQntuples(result.get())));
  for (int row = 0; row < PQntuples(result.get()); ++row) users.push_back(int64_value(result.get(), row, 0));
  return users;
}

std::int64_t PostgresTargetStore::upsert_staged(const std::string& copy_rows) {
  connection_.execute(kCreateTargetStaging);
  connection_.copy_in(kCopyTargetStaging, copy_rows);
  Result upserted = connection_.execute_prepared("upsert_staged_targets", kUpsertStagedTargets, Params());
  return affected_rows(upserted.get());
}

void PostgresTargetStore::commit_targets(const ports::PartitionLease& lease,
                                         std::span<const ports::DispatchTarget> targets, UserId checkpoint,
                                         std::chrono::milliseconds renewal) {
  // Encode before opening the transaction so row locks are held only while talking to the server.
  for (const ports::DispatchTarget& target : targets) {
    if (target.month != lease.month) {
      throw ports::DatabaseError(describe(lease) + ": target of user " + std::to_string(target.user_id) + " is for " +
                                 target.month.to_string() + ", not the leased month");
    }
  }
  const CopyTextWriter rows = encode_targets(targets);

  Transaction transaction(connection_);
  Result renewed = connection_.execute_prepared("renew_lease", kRenewLease,
                                                Params()
                                                    .add(job_text(lease.job))
                                                    .add(lease.month.to_string())
                                                    .add(lease.partition)
                                                    .add(lease.owner)
                                                    .add(checkpoint)
                                                    .add(static_cast<std::int64_t>(renewal.count())));
  if (affected_rows(renewed.get()) == 0) {
    // The destructor rolls back: nothing of this chunk is stored.
    throw ports::LeaseLost(describe(lease) + ": owner '" + lease.owner +
                           "' no longer holds the lease; the chunk was not stored");
  }
  if (!rows.empty()) upsert_staged(rows.data());
  transaction.commit();
}

std::int64_t PostgresTargetStore::store_targets(std::span<const ports::DispatchTarget> targets) {
  if (targets.empty()) return 0;
  const CopyTextWriter rows = encode_targets(targets);
  Transaction transaction(connection_);
  const std::int64_t stored = upsert_staged(rows.data());
  transaction.commit();
  return stored;
}

std::optional<ports::DispatchTarget> PostgresTargetStore::find_target(const domain::YearMonth& month,
                                                                      UserId user_id) {
  Result result =
      connection_.execute_prepared("find_target", kFindTarget, Params().add(month.to_string()).add(user_id));
  if (PQntuples(result.get()) == 0) return std::nullopt;
  return read_target(result.get(), 0, month);
}

// Keyset pages, for the same reasons as for_each_bill.
void PostgresTargetStore::for_each_target(const domain::YearMonth& month,
                                          const std::function<void(const ports::DispatchTarget&)>& visit) {
  const std::string month_text = month.to_string();
  UserId after = kLowestUserId;
  for (;;) {
    Result page = connection_.execute_prepared("target_page", kTargetPage,
                                               Params().add(month_text).add(after).add(kPageSize));
    const int count = PQntuples(page.get());
    for (int row = 0; row < count; ++row) {
      const ports::DispatchTarget target = read_target(page.get(), row, month);
      after = target.user_id;
      visit(target);
    }
    if (count < kPageSize) return;
  }
}

}  // namespace tr1l::adapters::postgres
