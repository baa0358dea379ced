#include "adapters/sqlite/sqlite_handle.h"

#include "ports/database.h"

namespace tr1l::adapters::sqlite {

Connection::Connection(const std::string& path) : path_(path) {
  sqlite3* raw = nullptr;
  int status = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                               nullptr);
  database_.reset(raw);
  if (status != SQLITE_OK) fail("opening " + path);
  sqlite3_busy_timeout(raw, 60'000);
  execute(
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA temp_store = MEMORY;"
      "PRAGMA cache_size = -65536;");
}

void Connection::execute(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : "unknown error";
    sqlite3_free(message);
    throw ports::DatabaseError("sqlite " + path_ + ": " + reason);
  }
}

void Connection::fail(const std::string& context) const {
  const char* message = database_ ? sqlite3_errmsg(database_.get()) : "out of memory";
  throw ports::DatabaseError("sqlite " + path_ + ": " + context + ": " + message);
}

Statement::Statement(Connection& connection, std::string_view sql) : connection_(connection) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(connection.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &raw, nullptr) != SQLITE_OK) {
    connection.fail("preparing " + std::string(sql.substr(0, 60)));
  }
  statement_.reset(raw);
}

void Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
  needs_reset_ = false;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (needs_reset_) reset();
  if (sqlite3_bind_int64(statement_.get(), index, value) != SQLITE_OK) connection_.fail("binding");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (needs_reset_) reset();
  if (sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    connection_.fail("binding");
  }
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (needs_reset_) reset();
  if (sqlite3_bind_blob(statement_.get(), index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    connection_.fail("binding");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (needs_reset_) reset();
  if (sqlite3_bind_null(statement_.get(), index) != SQLITE_OK) connection_.fail("binding");
  return *this;
}

bool Statement::step() {
  needs_reset_ = true;
  int status = sqlite3_step(statement_.get());
  if (status == SQLITE_ROW) return true;
  if (status == SQLITE_DONE) {
    sqlite3_reset(statement_.get());
    return false;
  }
  std::string message = sqlite3_errmsg(connection_.handle());
  sqlite3_reset(statement_.get());
  throw ports::DatabaseError("sqlite: " + message + " in: " + std::string(sqlite3_sql(statement_.get())).substr(0, 80));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

bool Statement::is_null(int column) const { return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL; }

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_.get(), column); }

std::string Statement::text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_.get(), column);
  int size = sqlite3_column_bytes(statement_.get(), column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::blob(int column) const {
  const void* bytes = sqlite3_column_blob(statement_.get(), column);
  int size = sqlite3_column_bytes(statement_.get(), column);
  return bytes ? std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size)) : std::string();
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::string> Statement::optional_blob(int column) const {
  if (is_null(column)) return std::nullopt;
  return blob(column);
}

Transaction::Transaction(Connection& connection) : connection_(connection) { connection_.execute("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (open_) sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  connection_.execute("COMMIT");
  open_ = false;
}

}  // namespace tr1l::adapters::sqlite
