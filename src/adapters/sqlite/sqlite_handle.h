// Thin RAII wrappers over the SQLite C API: a connection, prepared statements with typed binds
// and column reads, and a transaction guard that rolls back unless committed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tr1l::adapters::sqlite {

class Connection {
 public:
  // Opens (creating if needed) the database file with WAL journaling and a generous busy timeout,
  // so several processes can share it: readers never block, writers queue.
  explicit Connection(const std::string& path);

  sqlite3* handle() const { return database_.get(); }
  void execute(const std::string& sql);  // one or more statements, no results
  [[noreturn]] void fail(const std::string& context) const;

 private:
  struct Closer {
    void operator()(sqlite3* database) const { sqlite3_close_v2(database); }
  };
  std::unique_ptr<sqlite3, Closer> database_;
  std::string path_;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  template <typename Value>
  Statement& bind_optional(int index, const std::optional<Value>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  Statement& bind_optional_blob(int index, const std::optional<std::string>& bytes) {
    return bytes ? bind_blob(index, *bytes) : bind_null(index);
  }

  // Advances to the next row; false when done. Resets automatically before the next use.
  bool step();
  // Runs a statement that returns no rows and resets it for reuse.
  void run();
  void reset();

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::string> optional_blob(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  Connection& connection_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  bool needs_reset_ = false;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half-way with
// SQLITE_BUSY on upgrade; the destructor rolls back anything not committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace tr1l::adapters::sqlite
