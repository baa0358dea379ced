#include "ingest/csv_import.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/csv.h"
#include "domain/contact.h"
#include "domain/masking.h"
#include "ingest/contact_protection.h"

namespace tr1l::ingest {
namespace {

using domain::Date;
using domain::UserId;
using domain::YearMonth;

// ---------------------------------------------------------------------------------------------
// Files and their columns

enum class Table { Customers, Contracts, AddOns, Military, Usage };

struct TableSpec {
  Table table;
  std::string_view file;
  std::vector<std::string_view> columns;
};

const std::array<TableSpec, 5>& table_specs() {
  static const std::array<TableSpec, 5> specs{{
      {Table::Customers, "customers.csv",
       {"user_id", "name", "birth_date", "email", "phone", "plan_code", "welfare_code", "status", "role", "send_day",
        "quiet_from", "quiet_to"}},
      {Table::Contracts, "contracts.csv", {"user_id", "start_date", "end_date"}},
      {Table::AddOns, "addons.csv", {"user_id", "option_code", "start_date", "end_date"}},
      {Table::Military, "military.csv", {"user_id", "start_date", "end_date"}},
      {Table::Usage, "usage.csv", {"user_id", "month", "used_mb"}},
  }};
  return specs;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string lower_ascii(std::string_view text) {
  std::string lowered(text);
  for (char& character : lowered) {
    if (character >= 'A' && character <= 'Z') character = static_cast<char>(character - 'A' + 'a');
  }
  return lowered;
}

// An input file opened and its header checked; yields data records with their fields arranged in
// the spec's column order.
class TableFile {
 public:
  TableFile(const TableSpec& spec, const std::filesystem::path& path) : spec_(spec), path_(path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      throw ImportError(std::string(spec.file) + " in " + path.parent_path().string() + " is not a regular file");
    }
    stream_.open(path, std::ios::binary);
    if (!stream_) throw ImportError("cannot open " + path.string());
    reader_.emplace(stream_);

    std::optional<csv::Record> header;
    try {
      header = reader_->next();
    } catch (const csv::ParseError& parse_error) {
      throw ImportError(std::string(spec.file) + " header " + parse_error.what());
    }
    check_readable();
    if (!header) throw ImportError(std::string(spec.file) + " is empty: a header row is expected");
    header_width_ = header->fields.size();
    std::unordered_map<std::string, std::size_t> positions;
    for (std::size_t index = 0; index < header->fields.size(); ++index) {
      const std::string name = lower_ascii(trim(header->fields[index]));
      if (!positions.emplace(name, index).second && !name.empty()) {
        throw ImportError(std::string(spec.file) + " line " + std::to_string(header->line) + ": column " + name +
                          " appears twice in the header");
      }
    }
    for (std::string_view column : spec.columns) {
      auto found = positions.find(std::string(column));
      if (found == positions.end()) {
        throw ImportError(std::string(spec.file) + " line " + std::to_string(header->line) +
                          ": required column " + std::string(column) + " is missing from the header");
      }
      positions_.push_back(found->second);
    }
  }

  const TableSpec& spec() const { return spec_; }
  std::size_t header_width() const { return header_width_; }

  // The next record, or nullopt at the end. A syntax error (an unterminated quote swallows the
  // rest of the file) is reported through `on_syntax_error` and ends the file.
  std::optional<csv::Record> next(const std::function<void(std::size_t, const std::string&)>& on_syntax_error) {
    if (finished_) return std::nullopt;
    try {
      auto record = reader_->next();
      check_readable();
      if (!record) finished_ = true;
      return record;
    } catch (const csv::ParseError& parse_error) {
      check_readable();
      finished_ = true;
      on_syntax_error(parse_error.line(), "unterminated quoted field; nothing after line " +
                                              std::to_string(parse_error.line()) + " of the file could be read");
      return std::nullopt;
    }
  }

  bool has_field(const csv::Record& record, std::size_t column) const {
    return positions_[column] < record.fields.size();
  }

  // Field `column` (index into spec().columns) of a record of the right width, blanks trimmed.
  std::string_view field(const csv::Record& record, std::size_t column) const {
    return trim(record.fields[positions_[column]]);
  }

 private:
  void check_readable() {
    if (stream_.bad()) throw ImportError("error reading " + path_.string());
  }

  const TableSpec& spec_;
  std::filesystem::path path_;
  std::ifstream stream_;
  std::optional<csv::Reader> reader_;
  std::vector<std::size_t> positions_;
  std::size_t header_width_ = 0;
  bool finished_ = false;
};

// ---------------------------------------------------------------------------------------------
// Field parsing. Every failure names the field and says what is wrong in operator terms.

struct Problem {
  std::string_view field;
  std::string reason;
};

// A value as it may be quoted in a reason: cut short if long, and masked if it looks like an
// e-mail address (someone pasted one into the wrong column).
std::string quoted(std::string_view value) {
  constexpr std::size_t kLongest = 40;
  std::string shown;
  if (value.find('@') != std::string_view::npos) {
    shown = domain::mask_email(value);
  } else if (value.size() > kLongest) {
    std::size_t cut = kLongest;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    shown = std::string(value.substr(0, cut)) + "...";
  } else {
    shown = std::string(value);
  }
  return "'" + shown + "'";
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<Problem> parse_user_id(std::string_view text, UserId& user_id) {
  if (text.empty()) return Problem{"user_id", "user_id is empty"};
  auto value = parse_integer(text);
  if (!value || *value <= 0) return Problem{"user_id", "user_id " + quoted(text) + " is not a positive 64-bit integer"};
  user_id = *value;
  return std::nullopt;
}

std::optional<Problem> parse_date(std::string_view field, std::string_view text, Date& date) {
  if (text.empty()) return Problem{field, std::string(field) + " is empty"};
  auto value = Date::parse(text);
  if (!value) return Problem{field, std::string(field) + " " + quoted(text) + " is not a valid date (YYYY-MM-DD)"};
  date = *value;
  return std::nullopt;
}

std::optional<Problem> check_range(std::string_view start_text, const Date& start, std::string_view end_text,
                                   const Date& end) {
  if (end < start) {
    return Problem{"end_date", "end_date " + std::string(end_text) + " is before start_date " + std::string(start_text)};
  }
  return std::nullopt;
}

// An hour or day field: empty means null.
std::optional<Problem> parse_small_number(std::string_view field, std::string_view text, int low, int high,
                                          std::string_view what, std::optional<int>& value) {
  if (text.empty()) return std::nullopt;
  auto number = parse_integer(text);
  if (!number || *number < low || *number > high) {
    return Problem{field, std::string(field) + " " + quoted(text) + " is not " + std::string(what) + " " +
                              std::to_string(low) + "-" + std::to_string(high)};
  }
  value = static_cast<int>(*number);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Which customers exist, for the other files' checks.

// Ids of customers loaded now, and of customers.csv rows rejected now (line of the first one).
class CustomerRegistry {
 public:
  explicit CustomerRegistry(std::vector<UserId> stored) : stored_(std::move(stored)) {
    if (!std::is_sorted(stored_.begin(), stored_.end())) std::sort(stored_.begin(), stored_.end());
  }

  bool is_stored(UserId user_id) const { return std::binary_search(stored_.begin(), stored_.end(), user_id); }
  const std::size_t* loaded_line(UserId user_id) const {
    auto found = loaded_.find(user_id);
    return found == loaded_.end() ? nullptr : &found->second;
  }
  void mark_loaded(UserId user_id, std::size_t line) {
    loaded_.emplace(user_id, line);
    rejected_.erase(user_id);
  }
  void mark_rejected(UserId user_id, std::size_t line) {
    if (!loaded_.contains(user_id)) rejected_.emplace(user_id, line);
  }

  // Why a dependent row of `user_id` cannot load, or nullopt when its customer exists.
  std::optional<Problem> check_owner(UserId user_id) const {
    if (loaded_.contains(user_id)) return std::nullopt;
    if (auto rejected = rejected_.find(user_id); rejected != rejected_.end()) {
      return Problem{"user_id", "customer " + std::to_string(user_id) + " was rejected (customers.csv line " +
                                    std::to_string(rejected->second) + ")"};
    }
    if (is_stored(user_id)) return std::nullopt;
    return Problem{"user_id", "unknown user_id " + std::to_string(user_id) +
                                  " (not in customers.csv and not in the database)"};
  }

 private:
  std::vector<UserId> stored_;
  std::unordered_map<UserId, std::size_t> loaded_;
  std::unordered_map<UserId, std::size_t> rejected_;
};

struct UsageKey {
  UserId user_id = 0;
  int month_index = 0;  // year * 12 + month - 1
  bool operator==(const UsageKey&) const = default;
  auto operator<=>(const UsageKey&) const = default;
};

struct UsageKeyHash {
  std::size_t operator()(const UsageKey& key) const {
    return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(key.user_id) * 0x9E3779B97F4A7C15ULL ^
                                      static_cast<std::uint64_t>(key.month_index));
  }
};

int month_index(const YearMonth& month) { return month.year * 12 + month.month - 1; }

// ---------------------------------------------------------------------------------------------

// A customer row that passed validation, contacts still plaintext (normalised) until its batch is
// encrypted.
struct PendingCustomer {
  ports::StoredCustomer row;
  std::optional<std::string> email;
  std::optional<std::string> phone;
};

class Importer {
 public:
  Importer(const std::filesystem::path& dir, const domain::Catalog& catalog, const crypto::PiiCipher& cipher,
           ports::CustomerStore& store, RejectWriter& rejects, const ProgressCallback& progress)
      : dir_(dir), catalog_(catalog), cipher_(cipher), store_(store), rejects_(rejects), progress_(progress) {}

  ImportReport run() {
    // Open every file and check every header before loading anything: a broken header is fatal,
    // and it should not be discovered after half the data went in.
    std::vector<std::unique_ptr<TableFile>> files;
    ImportReport report;
    for (const TableSpec& spec : table_specs()) {
      const std::filesystem::path path = dir_ / spec.file;
      std::error_code error;
      const bool exists = std::filesystem::exists(path, error);
      if (error) throw ImportError("cannot access " + path.string() + ": " + error.message());
      if (!exists && spec.table == Table::Customers) throw ImportError("customers.csv not found in " + dir_.string());
      files.push_back(exists ? std::make_unique<TableFile>(spec, path) : nullptr);
      report.files.push_back({std::string(spec.file), exists, 0, 0});
    }

    registry_.emplace(store_.all_user_ids());
    loader_ = store_.open_loader();
    for (std::size_t index = 0; index < files.size(); ++index) {
      if (!files[index]) continue;
      if (files[index]->spec().table == Table::Military) load_stored_military();
      if (files[index]->spec().table == Table::Usage) load_stored_usage();
      import_file(*files[index], report.files[index]);
    }
    return report;
  }

 private:
  void import_file(TableFile& file, FileImportReport& report) {
    const TableSpec& spec = file.spec();
    std::int64_t records = 0;
    auto reject = [&](std::size_t line, std::string_view field, const std::string& reason) {
      rejects_.reject(spec.file, line, field, reason);
      ++report.rejected;
    };
    while (auto record = file.next([&](std::size_t line, const std::string& reason) { reject(line, "", reason); })) {
      ++records;
      if (record->fields.size() != file.header_width()) {
        note_rejected_customer(file, *record);
        reject(record->line, "", "expected " + std::to_string(file.header_width()) + " fields as in the header, found " +
                                     std::to_string(record->fields.size()));
      } else if (auto problem = import_record(file, *record)) {
        reject(record->line, problem->field, problem->reason);
      } else {
        ++report.loaded;
        if (pending_rows_ >= kImportBatchRows) {
          flush();
          if (progress_) progress_(LoadProgress{spec.file, records, 0});
        }
      }
    }
    flush();
    if (progress_) progress_(LoadProgress{spec.file, records, records});
  }

  // A customers.csv row too malformed to validate still names its user id, most likely: remember
  // it, so that customer's rows in the other files are rejected with a pointer to this line.
  void note_rejected_customer(const TableFile& file, const csv::Record& record) {
    if (file.spec().table != Table::Customers || !file.has_field(record, 0)) return;
    UserId user_id = 0;
    if (!parse_user_id(file.field(record, 0), user_id)) registry_->mark_rejected(user_id, record.line);
  }

  std::optional<Problem> import_record(const TableFile& file, const csv::Record& record) {
    switch (file.spec().table) {
      case Table::Customers: return import_customer(file, record);
      case Table::Contracts: return import_contract(file, record);
      case Table::AddOns: return import_add_on(file, record);
      case Table::Military: return import_military(file, record);
      case Table::Usage: return import_usage(file, record);
    }
    return Problem{"", "unknown table"};
  }

  std::optional<Problem> import_customer(const TableFile& file, const csv::Record& record) {
    auto field = [&](std::size_t column) { return file.field(record, column); };
    PendingCustomer customer;
    ports::StoredCustomer& row = customer.row;
    if (auto problem = parse_user_id(field(0), row.user_id)) return problem;
    auto problem = check_customer(customer, field);
    if (problem) {
      registry_->mark_rejected(row.user_id, record.line);
      return problem;
    }
    registry_->mark_loaded(row.user_id, record.line);
    pending_customers_.push_back(std::move(customer));
    ++pending_rows_;
    return std::nullopt;
  }

  template <typename Field>
  std::optional<Problem> check_customer(PendingCustomer& customer, Field field) {
    ports::StoredCustomer& row = customer.row;
    if (const std::size_t* first = registry_->loaded_line(row.user_id)) {
      return Problem{"user_id", "duplicate user_id " + std::to_string(row.user_id) + " (already on line " +
                                    std::to_string(*first) + ")"};
    }
    if (registry_->is_stored(row.user_id)) {
      return Problem{"user_id", "user_id " + std::to_string(row.user_id) + " is already in the database"};
    }
    row.name = std::string(field(1));
    if (row.name.empty()) return Problem{"name", "name is empty"};
    // A line break or other control character in a name would break the invoice and the SMS.
    if (std::any_of(row.name.begin(), row.name.end(),
                    [](char character) { return static_cast<unsigned char>(character) < 0x20 || character == 0x7F; })) {
      return Problem{"name", "name contains a line break or other control character"};
    }
    if (auto problem = parse_date("birth_date", field(2), row.birth_date)) return problem;

    domain::ContactProblem contact_problem;
    if (std::string_view email = field(3); !email.empty()) {
      customer.email = domain::normalise_email(email, &contact_problem);
      if (!customer.email) return Problem{"email", contact_problem.reason};
    }
    if (std::string_view phone = field(4); !phone.empty()) {
      customer.phone = domain::normalise_phone(phone, &contact_problem);
      if (!customer.phone) return Problem{"phone", contact_problem.reason};
    }
    if (std::string_view plan = field(5); !plan.empty()) {
      if (!catalog_.find_plan(plan)) return Problem{"plan_code", "unknown plan code " + quoted_code(plan)};
      row.plan_code = std::string(plan);
    }
    if (std::string_view welfare = field(6); !welfare.empty()) {
      if (!catalog_.find_welfare(welfare)) return Problem{"welfare_code", "unknown welfare code " + quoted_code(welfare)};
      row.welfare_code = std::string(welfare);
    }
    auto status = domain::parse_customer_status(field(7));
    if (!status) {
      return Problem{"status", field(7).empty() ? "status is empty"
                                                : "status " + quoted(field(7)) + " is not ACTIVE, WITHDRAWN or BANNED"};
    }
    row.status = *status;
    auto role = domain::parse_role(field(8));
    if (!role) return Problem{"role", field(8).empty() ? "role is empty" : "role " + quoted(field(8)) + " is not USER, ADMIN or GUEST"};
    row.role = *role;
    if (auto problem = parse_small_number("send_day", field(9), 1, 31, "a day", row.send_day)) return problem;
    if (auto problem = parse_small_number("quiet_from", field(10), 0, 23, "an hour", row.quiet_from)) return problem;
    if (auto problem = parse_small_number("quiet_to", field(11), 0, 23, "an hour", row.quiet_to)) return problem;
    if (row.quiet_from.has_value() != row.quiet_to.has_value()) {
      return row.quiet_from ? Problem{"quiet_to", "quiet_from is set but quiet_to is empty; give both hours or neither"}
                            : Problem{"quiet_from", "quiet_to is set but quiet_from is empty; give both hours or neither"};
    }
    if (row.quiet_from && *row.quiet_from == *row.quiet_to) {
      return Problem{"quiet_to", "quiet_from and quiet_to are both " + std::to_string(*row.quiet_from) +
                                     "; a quiet window needs two different hours"};
    }
    return std::nullopt;
  }

  // Codes are quoted bare ("unknown plan code PLN-999") unless they are odd enough to need care.
  static std::string quoted_code(std::string_view code) {
    const bool plain = code.size() <= 40 && std::all_of(code.begin(), code.end(), [](char character) {
                         return (character >= '0' && character <= '9') || (character >= 'A' && character <= 'Z') ||
                                (character >= 'a' && character <= 'z') || character == '-' || character == '_';
                       });
    return plain ? std::string(code) : quoted(code);
  }

  std::optional<Problem> parse_owner(const TableFile& file, const csv::Record& record, UserId& user_id) const {
    if (auto problem = parse_user_id(file.field(record, 0), user_id)) return problem;
    return registry_->check_owner(user_id);
  }

  std::optional<Problem> import_contract(const TableFile& file, const csv::Record& record) {
    ports::ContractRow row;
    if (auto problem = parse_owner(file, record, row.user_id)) return problem;
    if (auto problem = parse_date("start_date", file.field(record, 1), row.term.start)) return problem;
    if (auto problem = parse_date("end_date", file.field(record, 2), row.term.end)) return problem;
    if (auto problem = check_range(file.field(record, 1), row.term.start, file.field(record, 2), row.term.end)) {
      return problem;
    }
    loader_->add(row);
    ++pending_rows_;
    return std::nullopt;
  }

  std::optional<Problem> import_add_on(const TableFile& file, const csv::Record& record) {
    ports::AddOnRow row;
    if (auto problem = parse_owner(file, record, row.user_id)) return problem;
    std::string_view code = file.field(record, 1);
    if (code.empty()) return Problem{"option_code", "option_code is empty"};
    if (!catalog_.find_add_on(code)) return Problem{"option_code", "unknown option code " + quoted_code(code)};
    row.subscription.add_on_code = std::string(code);
    if (auto problem = parse_date("start_date", file.field(record, 2), row.subscription.start)) return problem;
    if (auto problem = parse_date("end_date", file.field(record, 3), row.subscription.end)) return problem;
    if (auto problem = check_range(file.field(record, 2), row.subscription.start, file.field(record, 3),
                                   row.subscription.end)) {
      return problem;
    }
    loader_->add(row);
    ++pending_rows_;
    return std::nullopt;
  }

  std::optional<Problem> import_military(const TableFile& file, const csv::Record& record) {
    ports::MilitaryRow row;
    if (auto problem = parse_owner(file, record, row.user_id)) return problem;
    if (auto problem = parse_date("start_date", file.field(record, 1), row.service.start)) return problem;
    if (std::string_view end = file.field(record, 2); !end.empty()) {
      Date end_date;
      if (auto problem = parse_date("end_date", end, end_date)) return problem;
      if (auto problem = check_range(file.field(record, 1), row.service.start, end, end_date)) return problem;
      row.service.end = end_date;
    }
    if (auto earlier = military_in_file_.find(row.user_id); earlier != military_in_file_.end()) {
      return Problem{"user_id", "user_id " + std::to_string(row.user_id) +
                                    " already has a military service row (line " + std::to_string(earlier->second) +
                                    "); at most one per customer"};
    }
    if (std::binary_search(stored_military_.begin(), stored_military_.end(), row.user_id)) {
      return Problem{"user_id", "user_id " + std::to_string(row.user_id) +
                                    " already has military service in the database; at most one per customer"};
    }
    military_in_file_.emplace(row.user_id, record.line);
    loader_->add(row);
    ++pending_rows_;
    return std::nullopt;
  }

  std::optional<Problem> import_usage(const TableFile& file, const csv::Record& record) {
    ports::UsageRow row;
    if (auto problem = parse_owner(file, record, row.user_id)) return problem;
    std::string_view month_text = file.field(record, 1);
    if (month_text.empty()) return Problem{"month", "month is empty"};
    auto month = YearMonth::parse(month_text);
    if (!month) return Problem{"month", "month " + quoted(month_text) + " is not a month (YYYY-MM)"};
    row.month = *month;
    std::string_view used_text = file.field(record, 2);
    if (used_text.empty()) return Problem{"used_mb", "used_mb is empty"};
    auto used = parse_integer(used_text);
    if (!used) return Problem{"used_mb", "used_mb " + quoted(used_text) + " is not a whole number of megabytes"};
    if (*used < 0) return Problem{"used_mb", "used_mb " + std::string(used_text) + " is negative"};
    row.used_mb = *used;

    const UsageKey key{row.user_id, month_index(row.month)};
    if (auto earlier = usage_in_file_.find(key); earlier != usage_in_file_.end()) {
      return Problem{"month", "usage of user_id " + std::to_string(row.user_id) + " for " + row.month.to_string() +
                                  " is already on line " + std::to_string(earlier->second)};
    }
    if (std::binary_search(stored_usage_.begin(), stored_usage_.end(), key)) {
      return Problem{"month", "usage of user_id " + std::to_string(row.user_id) + " for " + row.month.to_string() +
                                  " is already in the database"};
    }
    usage_in_file_.emplace(key, record.line);
    loader_->add(row);
    ++pending_rows_;
    return std::nullopt;
  }

  void load_stored_military() {
    stored_military_ = store_.user_ids_with_military();
    std::sort(stored_military_.begin(), stored_military_.end());
  }

  void load_stored_usage() {
    for (const auto& [user_id, month_text] : store_.usage_keys()) {
      if (auto month = YearMonth::parse(month_text)) stored_usage_.push_back({user_id, month_index(*month)});
    }
    std::sort(stored_usage_.begin(), stored_usage_.end());
  }

  // Encrypts the pending customers (spread over the cores: encryption is most of an import's
  // work), hands everything to the loader and commits.
  void flush() {
    if (!pending_customers_.empty()) {
      const std::size_t thread_count =
          std::min<std::size_t>(std::clamp(std::thread::hardware_concurrency(), 1U, 8U),
                                (pending_customers_.size() + 999) / 1000);
      const std::size_t share = (pending_customers_.size() + thread_count - 1) / thread_count;
      std::vector<std::exception_ptr> failures(thread_count);
      {
        std::vector<std::jthread> threads;
        for (std::size_t thread = 0; thread < thread_count; ++thread) {
          threads.emplace_back([&, thread] {
            try {
              const std::size_t begin = thread * share;
              const std::size_t end = std::min(pending_customers_.size(), begin + share);
              for (std::size_t index = begin; index < end; ++index) {
                PendingCustomer& customer = pending_customers_[index];
                protect_contacts(cipher_, customer.email, customer.phone, customer.row);
              }
            } catch (...) {
              failures[thread] = std::current_exception();
            }
          });
        }
      }
      for (const auto& failure : failures) {
        if (failure) std::rethrow_exception(failure);
      }
      for (const PendingCustomer& customer : pending_customers_) loader_->add(customer.row);
      pending_customers_.clear();
    }
    loader_->flush();
    pending_rows_ = 0;
  }

  std::filesystem::path dir_;
  const domain::Catalog& catalog_;
  const crypto::PiiCipher& cipher_;
  ports::CustomerStore& store_;
  RejectWriter& rejects_;
  const ProgressCallback& progress_;

  std::optional<CustomerRegistry> registry_;
  std::unique_ptr<ports::CustomerLoader> loader_;
  std::vector<PendingCustomer> pending_customers_;
  std::size_t pending_rows_ = 0;
  std::vector<UserId> stored_military_;
  std::unordered_map<UserId, std::size_t> military_in_file_;
  std::vector<UsageKey> stored_usage_;
  std::unordered_map<UsageKey, std::size_t, UsageKeyHash> usage_in_file_;
};

}  // namespace

std::int64_t ImportReport::loaded() const {
  std::int64_t total = 0;
  for (const auto& file : files) total += file.loaded;
  return total;
}

std::int64_t ImportReport::rejected() const {
  std::int64_t total = 0;
  for (const auto& file : files) total += file.rejected;
  return total;
}

const FileImportReport* ImportReport::file(std::string_view name) const {
  for (const auto& file : files) {
    if (file.file == name) return &file;
  }
  return nullptr;
}

ImportReport import_directory(const std::filesystem::path& dir, const domain::Catalog& catalog,
                              const crypto::PiiCipher& cipher, ports::CustomerStore& store, RejectWriter& rejects,
                              const ProgressCallback& progress) {
  return Importer(dir, catalog, cipher, store, rejects, progress).run();
}

}  // namespace tr1l::ingest
