#include "ingest/seed_output.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "common/csv.h"
#include "ingest/contact_protection.h"

namespace tr1l::ingest {
namespace {

// ---------------------------------------------------------------------------------------------
// CSV sink

// One output file: rows are assembled in a large buffer and written in blocks (a million
// customers means millions of rows), under "<name>.partial" until commit() renames it.
class CsvFileWriter {
 public:
  CsvFileWriter(const std::filesystem::path& dir, std::string_view name, std::string_view header)
      : final_path_(dir / name), partial_path_(dir / (std::string(name) + ".partial")) {
    stream_.open(partial_path_, std::ios::binary | std::ios::trunc);
    if (!stream_) fail("cannot create");
    buffer_.reserve(kBlockBytes + 4096);
    buffer_.append(header);
    buffer_.push_back('\n');
  }

  CsvFileWriter(const CsvFileWriter&) = delete;
  CsvFileWriter& operator=(const CsvFileWriter&) = delete;

  ~CsvFileWriter() {
    if (!committed_) {  // abandoned: remove the half-written file rather than leave it lying around
      stream_.close();
      std::error_code ignored;
      std::filesystem::remove(partial_path_, ignored);
    }
  }

  void text(std::string_view value) {
    separate();
    append_escaped(value);
  }
  void optional_text(const std::optional<std::string>& value) {
    separate();
    if (value) append_escaped(*value);  // empty field = null
  }
  void number(std::int64_t value) {
    separate();
    char digits[24];
    auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    (void)error;  // 24 characters hold any 64-bit integer
    buffer_.append(digits, end);
  }
  void number(const std::optional<int>& value) {
    if (value) {
      number(*value);
    } else {
      separate();
    }
  }
  void date(const domain::Date& value) { text(value.to_string()); }
  void date(const std::optional<domain::Date>& value) {
    if (value) {
      date(*value);
    } else {
      separate();
    }
  }

  void end_row() {
    buffer_.push_back('\n');
    first_field_ = true;
    if (buffer_.size() >= kBlockBytes) write_buffer();
  }

  void commit() {
    write_buffer();
    stream_.close();
    if (!stream_) fail("cannot finish writing");
    std::error_code error;
    std::filesystem::rename(partial_path_, final_path_, error);
    if (error) throw SeedError("cannot rename " + partial_path_.string() + " to " + final_path_.string() + ": " + error.message());
    committed_ = true;
  }

 private:
  static constexpr std::size_t kBlockBytes = 1 << 20;

  void separate() {
    if (!first_field_) buffer_.push_back(',');
    first_field_ = false;
  }
  void append_escaped(std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
      buffer_.append(value);
    } else {
      buffer_.append(csv::escape_field(value));
    }
  }
  void write_buffer() {
    stream_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    if (!stream_) fail("cannot write");
    buffer_.clear();
  }
  [[noreturn]] void fail(std::string_view what) {
    throw SeedError(std::string(what) + " " + partial_path_.string() + ": " + std::strerror(errno));
  }

  std::filesystem::path final_path_;
  std::filesystem::path partial_path_;
  std::ofstream stream_;
  std::string buffer_;
  bool first_field_ = true;
  bool committed_ = false;
};

void report(const ProgressCallback& progress, std::int64_t done, std::int64_t total) {
  if (progress) progress(LoadProgress{"seed", done, total});
}

// ---------------------------------------------------------------------------------------------
// Store sink

// The rows of a run of consecutive customers, contacts already encrypted.
struct SeedBatch {
  std::vector<ports::StoredCustomer> customers;
  std::vector<ports::ContractRow> contracts;
  std::vector<ports::AddOnRow> add_ons;
  std::vector<ports::MilitaryRow> military;
  std::vector<ports::UsageRow> usage;
};

SeedBatch build_batch(const SeedGenerator& generator, const crypto::PiiCipher& cipher, domain::UserId first,
                      domain::UserId last) {
  SeedBatch batch;
  batch.customers.reserve(static_cast<std::size_t>(last - first + 1));
  batch.usage.reserve(2 * static_cast<std::size_t>(last - first + 1));
  for (domain::UserId user_id = first; user_id <= last; ++user_id) {
    SeedCustomer customer = generator.customer(user_id);
    ports::StoredCustomer row;
    row.user_id = user_id;
    row.name = std::move(customer.name);
    row.birth_date = customer.birth_date;
    protect_contacts(cipher, customer.email, customer.phone, row);
    row.plan_code = std::move(customer.plan_code);
    row.welfare_code = std::move(customer.welfare_code);
    row.status = customer.status;
    row.role = customer.role;
    row.send_day = customer.send_day;
    row.quiet_from = customer.quiet_from;
    row.quiet_to = customer.quiet_to;
    batch.customers.push_back(std::move(row));
    for (const auto& term : customer.contracts) batch.contracts.push_back({user_id, term});
    for (auto& subscription : customer.add_ons) batch.add_ons.push_back({user_id, std::move(subscription)});
    if (customer.military) batch.military.push_back({user_id, *customer.military});
    for (const auto& usage : customer.usage) batch.usage.push_back({user_id, usage.month, usage.used_mb});
  }
  return batch;
}

}  // namespace

SeedSummary write_seed_csv(const SeedOptions& options, const std::filesystem::path& dir,
                           const ProgressCallback& progress) {
  const SeedGenerator generator(options);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw SeedError("cannot create directory " + dir.string() + ": " + error.message());
  // customers.csv is renamed into place last; removing an older one first means a directory that
  // holds a customers.csv holds one complete export, never a mix of two runs.
  std::filesystem::remove(dir / "customers.csv", error);
  if (error) throw SeedError("cannot replace " + (dir / "customers.csv").string() + ": " + error.message());

  CsvFileWriter customers(dir, "customers.csv",
                          "user_id,name,birth_date,email,phone,plan_code,welfare_code,status,role,send_day,"
                          "quiet_from,quiet_to");
  CsvFileWriter contracts(dir, "contracts.csv", "user_id,start_date,end_date");
  CsvFileWriter add_ons(dir, "addons.csv", "user_id,option_code,start_date,end_date");
  CsvFileWriter military(dir, "military.csv", "user_id,start_date,end_date");
  CsvFileWriter usage(dir, "usage.csv", "user_id,month,used_mb");

  SeedSummary summary;
  for (domain::UserId user_id = 1; user_id <= options.users; ++user_id) {
    const SeedCustomer customer = generator.customer(user_id);
    customers.number(user_id);
    customers.text(customer.name);
    customers.date(customer.birth_date);
    customers.optional_text(customer.email);
    customers.optional_text(customer.phone);
    customers.optional_text(customer.plan_code);
    customers.optional_text(customer.welfare_code);
    customers.text(domain::to_string(customer.status));
    customers.text(domain::to_string(customer.role));
    customers.number(customer.send_day);
    customers.number(customer.quiet_from);
    customers.number(customer.quiet_to);
    customers.end_row();
    ++summary.customers;
    for (const auto& term : customer.contracts) {
      contracts.number(user_id);
      contracts.date(term.start);
      contracts.date(term.end);
      contracts.end_row();
      ++summary.contracts;
    }
    for (const auto& subscription : customer.add_ons) {
      add_ons.number(user_id);
      add_ons.text(subscription.add_on_code);
      add_ons.date(subscription.start);
      add_ons.date(subscription.end);
      add_ons.end_row();
      ++summary.add_ons;
    }
    if (customer.military) {
      military.number(user_id);
      military.date(customer.military->start);
      military.date(customer.military->end);
      military.end_row();
      ++summary.military;
    }
    for (const auto& row : customer.usage) {
      usage.number(user_id);
      usage.text(row.month.to_string());
      usage.number(row.used_mb);
      usage.end_row();
      ++summary.usage;
    }
    if (user_id % kSeedBatchCustomers == 0) report(progress, user_id, options.users);
  }
  // customers.csv last: a directory whose customers.csv exists is a complete export.
  contracts.commit();
  add_ons.commit();
  military.commit();
  usage.commit();
  customers.commit();
  report(progress, options.users, options.users);
  return summary;
}

SeedSummary load_seed(const SeedOptions& options, const crypto::PiiCipher& cipher, ports::CustomerStore& store,
                      const ProgressCallback& progress) {
  const SeedGenerator generator(options);
  if (const std::int64_t existing = store.count_customers(); existing > 0) {
    throw SeedError("the database already holds " + std::to_string(existing) +
                    " customers; seed loads into an empty database (ids start at 1)");
  }
  const std::int64_t batch_count = (options.users + kSeedBatchCustomers - 1) / kSeedBatchCustomers;
  const unsigned worker_count = std::clamp(std::thread::hardware_concurrency(), 1U, 8U);
  // Batches allowed to wait ahead of the loader: enough to keep every worker busy while the
  // loader writes, few enough that memory stays at a handful of batches.
  const std::int64_t window = worker_count + 2;

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::int64_t, SeedBatch> ready;
  std::int64_t next_to_build = 0;
  std::int64_t next_to_load = 0;
  bool stopping = false;
  std::exception_ptr worker_failure;

  auto work = [&] {
    while (true) {
      std::int64_t index = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] {
          return stopping || next_to_build >= batch_count || next_to_build < next_to_load + window;
        });
        if (stopping || next_to_build >= batch_count) return;
        index = next_to_build++;
      }
      try {
        const domain::UserId first = index * kSeedBatchCustomers + 1;
        const domain::UserId last = std::min(options.users, first + kSeedBatchCustomers - 1);
        SeedBatch batch = build_batch(generator, cipher, first, last);
        std::lock_guard lock(mutex);
        ready.emplace(index, std::move(batch));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!worker_failure) worker_failure = std::current_exception();
        stopping = true;
      }
      changed.notify_all();
    }
  };

  std::vector<std::jthread> workers;
  // Declared after `workers`, so it runs first on the way out (normal or exception): wakes the
  // workers to stop before the jthreads join them.
  struct StopWorkers {
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stopping;
    ~StopWorkers() {
      {
        std::lock_guard lock(mutex);
        stopping = true;
      }
      changed.notify_all();
    }
  } stop_workers{mutex, changed, stopping};
  for (unsigned index = 0; index < worker_count && index < static_cast<unsigned>(batch_count); ++index) {
    workers.emplace_back(work);
  }

  const std::unique_ptr<ports::CustomerLoader> loader = store.open_loader();
  SeedSummary summary;
  for (; next_to_load < batch_count;) {
    SeedBatch batch;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return worker_failure || ready.contains(next_to_load); });
      if (worker_failure) std::rethrow_exception(worker_failure);
      auto node = ready.extract(next_to_load);
      batch = std::move(node.mapped());
    }
    // Customers first: the other rows refer to them.
    for (const auto& row : batch.customers) loader->add(row);
    for (const auto& row : batch.contracts) loader->add(row);
    for (const auto& row : batch.add_ons) loader->add(row);
    for (const auto& row : batch.military) loader->add(row);
    for (const auto& row : batch.usage) loader->add(row);
    loader->flush();
    summary.customers += static_cast<std::int64_t>(batch.customers.size());
    summary.contracts += static_cast<std::int64_t>(batch.contracts.size());
    summary.add_ons += static_cast<std::int64_t>(batch.add_ons.size());
    summary.military += static_cast<std::int64_t>(batch.military.size());
    summary.usage += static_cast<std::int64_t>(batch.usage.size());
    {
      std::lock_guard lock(mutex);
      ++next_to_load;
    }
    changed.notify_all();
    report(progress, summary.customers, options.users);
  }
  if (batch_count == 0) report(progress, 0, 0);
  return summary;
}

}  // namespace tr1l::ingest
