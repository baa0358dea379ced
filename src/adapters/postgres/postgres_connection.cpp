#include "adapters/postgres/postgres_connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "adapters/postgres/copy_text.h"
#include "common/redact_url.h"
#include "ports/database.h"

namespace tr1l::adapters::postgres {
namespace {

struct CopyBufferDeleter {
  void operator()(char* buffer) const { PQfreemem(buffer); }
};

std::string_view trim_trailing_whitespace(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Server notices ("relation already exists, skipping" and the like) are not errors; libpq would
// print them on stderr, so they go to the debug log instead.
void log_notice(void*, const char* message) {
  spdlog::debug("postgres: {}", trim_trailing_whitespace(message == nullptr ? "" : message));
}

// The message of a failed statement, built from the diagnostic fields rather than the full
// libpq text: DETAIL lines such as "Failing row contains (...)" and COPY contexts quote row
// values, which may be personal data, so only the parts that name the problem are kept.
std::string describe_error(const PGresult* result) {
  auto field = [result](int code) -> std::string_view {
    const char* value = PQresultErrorField(result, code);
    return value == nullptr ? std::string_view() : std::string_view(value);
  };
  std::string message(field(PG_DIAG_MESSAGE_PRIMARY));
  if (message.empty()) message = std::string(trim_trailing_whitespace(PQresultErrorMessage(result)));
  std::string_view detail = field(PG_DIAG_MESSAGE_DETAIL);
  if (!detail.empty() && !detail.starts_with("Failing row contains")) {
    message += " (";
    message += detail;
    message += ")";
  }
  std::string_view context = field(PG_DIAG_CONTEXT);
  if (context.starts_with("COPY ")) {
    // "COPY customer, line 3, column birth_date: "value"" -> keep up to the value.
    message += " at ";
    message += context.substr(0, context.find(':'));
  }
  std::string_view state = field(PG_DIAG_SQLSTATE);
  if (!state.empty()) {
    message += " [SQLSTATE ";
    message += state;
    message += "]";
  }
  return message;
}

// A short name for a statement in error messages: its first line that is not a comment, so a
// failing migration file or a long query does not flood the message.
std::string statement_label(std::string_view sql) {
  constexpr std::size_t kLongest = 80;
  std::size_t position = 0;
  for (;;) {
    while (position < sql.size() && (sql[position] == ' ' || sql[position] == '\n' || sql[position] == '\t')) ++position;
    if (!sql.substr(position).starts_with("--")) break;
    position = sql.find('\n', position);
    if (position == std::string_view::npos) return "comment";
  }
  std::string_view line = sql.substr(position);
  line = line.substr(0, line.find('\n'));
  if (line.size() <= kLongest) return std::string(line);
  return std::string(line.substr(0, kLongest - 3)) + "...";
}

bool is_key_value_space(char character) { return character == ' ' || character == '\t' || character == '\n'; }

// "host=a password='x y' dbname=b" -> "host=a dbname=b" (values may be quoted with ' and \).
std::string redact_key_values(std::string_view text) {
  std::string redacted;
  std::size_t position = 0;
  while (position < text.size()) {
    while (position < text.size() && is_key_value_space(text[position])) ++position;
    if (position == text.size()) break;
    std::size_t start = position;
    while (position < text.size() && text[position] != '=' && !is_key_value_space(text[position])) ++position;
    std::string_view key = text.substr(start, position - start);
    while (position < text.size() && is_key_value_space(text[position])) ++position;
    if (position < text.size() && text[position] == '=') ++position;
    while (position < text.size() && is_key_value_space(text[position])) ++position;
    if (position < text.size() && text[position] == '\'') {
      ++position;
      while (position < text.size() && text[position] != '\'') position += text[position] == '\\' ? 2 : 1;
      ++position;
    } else {
      while (position < text.size() && !is_key_value_space(text[position])) position += text[position] == '\\' ? 2 : 1;
    }
    position = std::min(position, text.size());
    if (key == "password") continue;
    if (!redacted.empty()) redacted += ' ';
    redacted += text.substr(start, position - start);
  }
  return redacted;
}

}  // namespace

std::string redact_connection_string(std::string_view connection) {
  if (connection.starts_with("postgresql://") || connection.starts_with("postgres://")) return redact_url(connection);
  return redact_key_values(connection);
}

Params& Params::add(std::int64_t value) {
  values_.push_back({std::to_string(value), false, false});
  return *this;
}

Params& Params::add(std::string_view text) {
  values_.push_back({std::string(text), false, false});
  return *this;
}

Params& Params::add_bytes(std::string_view bytes) {
  values_.push_back({std::string(bytes), false, true});
  return *this;
}

Params& Params::add_null() {
  values_.push_back({std::string(), true, false});
  return *this;
}

Connection::Connection(std::string connection_string)
    : connection_string_(std::move(connection_string)), redacted_(redact_connection_string(connection_string_)) {
  // libpq would take "sqlite:///x" for a database name and fail confusingly later.
  if (connection_string_.find("://") != std::string::npos && !connection_string_.starts_with("postgresql://") &&
      !connection_string_.starts_with("postgres://")) {
    fail("not a PostgreSQL URL (expected postgresql://user@host:port/database)");
  }
  connect_or_reset();
}

void Connection::connect_or_reset() {
  prepared_.clear();
  in_transaction_ = false;
  if (connection_) {
    PQreset(connection_.get());
  } else {
    // expand_dbname lets the "dbname" value be a whole URL or key/value string.
    const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {connection_string_.c_str(), "tr1l", nullptr};
    connection_.reset(PQconnectdbParams(keywords, values, 1));
    if (!connection_) throw ports::DatabaseError("PostgreSQL " + redacted_ + ": out of memory while connecting");
    PQsetNoticeProcessor(connection_.get(), log_notice, nullptr);
  }
  if (PQstatus(connection_.get()) != CONNECTION_OK) fail_with_connection_error("cannot connect");
  configure_session();
}

void Connection::configure_session() {
  // Results are parsed as text, so their formats are pinned regardless of server defaults.
  Result result(PQexec(connection_.get(),
                       "SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'"));
  check(std::move(result), "configuring the session");
}

void Connection::prepare_for_statement() {
  if (in_transaction_) return;
  if (PQstatus(connection_.get()) != CONNECTION_OK) {
    spdlog::warn("postgres: connection to {} was lost; reconnecting", redacted_);
    connect_or_reset();
    return;
  }
  PGTransactionStatusType status = PQtransactionStatus(connection_.get());
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) {
    Result rollback(PQexec(connection_.get(), "ROLLBACK"));
  }
}

void Connection::fail(std::string_view what) const {
  throw ports::DatabaseError("PostgreSQL " + redacted_ + ": " + std::string(what));
}

void Connection::fail_with_connection_error(std::string_view what) const {
  std::string message(what);
  if (connection_) {
    message += ": ";
    message += trim_trailing_whitespace(PQerrorMessage(connection_.get()));
  }
  fail(message);
}

Result Connection::check(Result result, std::string_view what) {
  if (!result) fail_with_connection_error(what);
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
      return result;
    default:
      break;
  }
  std::string message(what);
  message += ": ";
  message += describe_error(result.get());
  fail(message);
}

Result Connection::execute(std::string_view sql) {
  prepare_for_statement();
  return check(Result(PQexec(connection_.get(), std::string(sql).c_str())), statement_label(sql));
}

namespace {

struct RawParams {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

}  // namespace

Result Connection::execute(std::string_view sql, const Params& params) {
  prepare_for_statement();
  RawParams raw;
  for (const auto& value : params.values_) {
    raw.values.push_back(value.is_null ? nullptr : value.data.c_str());
    raw.lengths.push_back(static_cast<int>(value.data.size()));
    raw.formats.push_back(value.is_binary ? 1 : 0);
  }
  return check(Result(PQexecParams(connection_.get(), std::string(sql).c_str(), static_cast<int>(raw.values.size()),
                                   nullptr, raw.values.data(), raw.lengths.data(), raw.formats.data(), 0)),
               statement_label(sql));
}

Result Connection::execute_prepared(const char* name, std::string_view sql, const Params& params) {
  prepare_for_statement();
  if (!prepared_.contains(name)) {
    check(Result(PQprepare(connection_.get(), name, std::string(sql).c_str(), 0, nullptr)),
          std::string("preparing ") + name);
    prepared_.insert(name);
  }
  RawParams raw;
  for (const auto& value : params.values_) {
    raw.values.push_back(value.is_null ? nullptr : value.data.c_str());
    raw.lengths.push_back(static_cast<int>(value.data.size()));
    raw.formats.push_back(value.is_binary ? 1 : 0);
  }
  return check(Result(PQexecPrepared(connection_.get(), name, static_cast<int>(raw.values.size()), raw.values.data(),
                                     raw.lengths.data(), raw.formats.data(), 0)),
               name);
}

void Connection::copy_in(std::string_view copy_sql, std::string_view data) {
  prepare_for_statement();
  const std::string label = statement_label(copy_sql);
  Result started = check(Result(PQexec(connection_.get(), std::string(copy_sql).c_str())), label);
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) fail(label + ": did not start COPY FROM STDIN");
  started.reset();

  // Sent in slices so libpq's output buffer stays small however large the batch is.
  constexpr std::size_t kSlice = 256 * 1024;
  bool sent = true;
  for (std::size_t offset = 0; offset < data.size() && sent; offset += kSlice) {
    std::size_t length = std::min(kSlice, data.size() - offset);
    sent = PQputCopyData(connection_.get(), data.data() + offset, static_cast<int>(length)) == 1;
  }
  if (PQputCopyEnd(connection_.get(), sent ? nullptr : "client failed to send COPY data") != 1) {
    fail_with_connection_error(label);
  }
  Result finished(PQgetResult(connection_.get()));
  while (Result extra{PQgetResult(connection_.get())}) {
  }
  if (!sent) fail_with_connection_error(label);
  check(std::move(finished), label);
}

void Connection::copy_out(std::string_view copy_sql, const std::function<void(std::string_view row)>& row) {
  prepare_for_statement();
  const std::string label = statement_label(copy_sql);
  Result started = check(Result(PQexec(connection_.get(), std::string(copy_sql).c_str())), label);
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT) fail(label + ": did not start COPY TO STDOUT");
  started.reset();

  bool visiting = true;
  std::exception_ptr visit_error;
  for (;;) {
    char* raw_buffer = nullptr;
    int length = PQgetCopyData(connection_.get(), &raw_buffer, 0);
    std::unique_ptr<char, CopyBufferDeleter> buffer(raw_buffer);
    if (length == -1) break;  // COPY finished
    if (length < 0) fail_with_connection_error(label);
    if (!visiting) continue;
    try {
      row(std::string_view(buffer.get(), static_cast<std::size_t>(length)));
    } catch (...) {
      // Keep reading to the end so the connection is usable again, then report the failure.
      visit_error = std::current_exception();
      visiting = false;
    }
  }
  Result finished(PQgetResult(connection_.get()));
  while (Result extra{PQgetResult(connection_.get())}) {
  }
  check(std::move(finished), label);
  if (visit_error) std::rethrow_exception(visit_error);
}

Transaction::Transaction(Connection& connection, std::string_view begin_sql) : connection_(connection) {
  // A nested BEGIN would only warn, and the inner COMMIT would end the outer transaction.
  if (connection_.in_transaction_) connection_.fail("a transaction is already open on this connection");
  connection_.execute(begin_sql);
  connection_.in_transaction_ = true;
}

Transaction::~Transaction() {
  if (finished_) return;
  connection_.in_transaction_ = false;
  if (PQstatus(connection_.connection_.get()) == CONNECTION_OK) {
    Result rollback(PQexec(connection_.connection_.get(), "ROLLBACK"));
  }
}

void Transaction::commit() {
  Result result = connection_.check(Result(PQexec(connection_.connection_.get(), "COMMIT")), "COMMIT");
  finished_ = true;
  connection_.in_transaction_ = false;
  // COMMIT of a transaction that had failed answers "ROLLBACK" rather than an error.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") connection_.fail("transaction was rolled back");
}

bool is_null(const PGresult* result, int row, int column) { return PQgetisnull(result, row, column) != 0; }

std::string_view text_value(const PGresult* result, int row, int column) {
  return std::string_view(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
}

std::optional<std::string> optional_text(const PGresult* result, int row, int column) {
  if (is_null(result, row, column)) return std::nullopt;
  return std::string(text_value(result, row, column));
}

std::int64_t parse_int64(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw ports::DatabaseError("PostgreSQL returned a malformed integer '" + std::string(text) + "'");
  }
  return value;
}

std::int64_t int64_value(const PGresult* result, int row, int column) {
  if (is_null(result, row, column)) {
    throw ports::DatabaseError(std::string("PostgreSQL returned NULL for column ") + PQfname(result, column));
  }
  return parse_int64(text_value(result, row, column));
}

std::optional<int> optional_int(const PGresult* result, int row, int column) {
  if (is_null(result, row, column)) return std::nullopt;
  return static_cast<int>(parse_int64(text_value(result, row, column)));
}

std::optional<std::string> optional_bytes(const PGresult* result, int row, int column) {
  if (is_null(result, row, column)) return std::nullopt;
  auto bytes = decode_bytea_hex(text_value(result, row, column));
  if (!bytes) throw ports::DatabaseError(std::string("PostgreSQL returned malformed bytea in ") + PQfname(result, column));
  return bytes;
}

domain::Date date_value(const PGresult* result, int row, int column) {
  auto date = domain::Date::parse(text_value(result, row, column));
  if (!date) {
    throw ports::DatabaseError(std::string("PostgreSQL returned a malformed date in ") + PQfname(result, column) +
                               ": '" + std::string(text_value(result, row, column)) + "'");
  }
  return *date;
}

std::optional<domain::Date> optional_date(const PGresult* result, int row, int column) {
  if (is_null(result, row, column)) return std::nullopt;
  return date_value(result, row, column);
}

std::int64_t affected_rows(const PGresult* result) {
  std::string_view text = PQcmdTuples(const_cast<PGresult*>(result));
  return text.empty() ? 0 : parse_int64(text);
}

}  // namespace tr1l::adapters::postgres
