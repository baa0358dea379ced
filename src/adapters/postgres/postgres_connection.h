// A thin RAII layer over libpq for the PostgreSQL adapter: a connection that reconnects after it
// broke, results that free themselves, prepared statements made on first use, transactions that
// roll back unless committed, and COPY in both directions. Every failure becomes a
// ports::DatabaseError whose message names the server without the password.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "domain/calendar.h"

namespace tr1l::adapters::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};

// The connection string with any password removed (URL user info and password=... options), so
// it can appear in error messages and logs.
std::string redact_connection_string(std::string_view connection);

// Statement parameters. Numbers and text go as text; byte strings go in binary so ciphertext
// needs no escaping and no hex round trip.
class Params {
 public:
  Params& add(std::int64_t value);
  Params& add(std::string_view text);
  Params& add(const char* text) { return add(std::string_view(text)); }
  Params& add(const std::string& text) { return add(std::string_view(text)); }
  Params& add_bytes(std::string_view bytes);
  Params& add_null();

 private:
  friend class Connection;
  struct Value {
    std::string data;
    bool is_null = false;
    bool is_binary = false;
  };
  std::vector<Value> values_;
};

class Connection {
 public:
  // `connection_string`: a postgresql:// URL or any other form libpq accepts.
  explicit Connection(std::string connection_string);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& redacted_target() const { return redacted_; }

  // One statement (or several separated by semicolons) without parameters.
  Result execute(std::string_view sql);
  Result execute(std::string_view sql, const Params& params);
  // Prepares `sql` under `name` the first time it is used on this connection, then executes it.
  Result execute_prepared(const char* name, std::string_view sql, const Params& params);

  // Sends `data` (rows in COPY text format) through `copy_sql` ("COPY table (...) FROM STDIN").
  void copy_in(std::string_view copy_sql, std::string_view data);
  // Runs `copy_sql` ("COPY (...) TO STDOUT") and hands each row, newline included, to `row`.
  void copy_out(std::string_view copy_sql, const std::function<void(std::string_view row)>& row);

  // Error for a failure that is not a failed statement (for example a broken invariant).
  [[noreturn]] void fail(std::string_view what) const;

 private:
  friend class Transaction;

  void connect_or_reset();
  void configure_session();
  // Before a statement outside a transaction: reconnect a connection that broke since the last
  // call, and roll back a transaction a failed operation may have left open.
  void prepare_for_statement();
  Result check(Result result, std::string_view what);
  [[noreturn]] void fail_with_connection_error(std::string_view what) const;

  std::string connection_string_;
  std::string redacted_;
  std::unique_ptr<PGconn, ConnectionDeleter> connection_;
  std::unordered_set<std::string> prepared_;  // statement names prepared on the current session
  bool in_transaction_ = false;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& connection, std::string_view begin_sql = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Connection& connection_;
  bool finished_ = false;
};

// Reading result values (text format). Each throws ports::DatabaseError on a malformed value.
bool is_null(const PGresult* result, int row, int column);
std::string_view text_value(const PGresult* result, int row, int column);
std::optional<std::string> optional_text(const PGresult* result, int row, int column);
std::int64_t int64_value(const PGresult* result, int row, int column);
std::optional<int> optional_int(const PGresult* result, int row, int column);
std::optional<std::string> optional_bytes(const PGresult* result, int row, int column);
domain::Date date_value(const PGresult* result, int row, int column);
std::optional<domain::Date> optional_date(const PGresult* result, int row, int column);
std::int64_t parse_int64(std::string_view text);
// Number of rows an INSERT / UPDATE / DELETE touched.
std::int64_t affected_rows(const PGresult* result);

}  // namespace tr1l::adapters::postgres
