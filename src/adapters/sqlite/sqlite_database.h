// The embedded default relational store: one SQLite file (WAL mode) under TR1L_HOME.
// Several processes may share the file; write transactions are serialised by SQLite's lock.
#pragma once

#include <memory>
#include <string>

#include "ports/database.h"

namespace tr1l::adapters::sqlite {

class SqliteDatabase : public ports::Database {
 public:
  // Opens or creates the file at `path` (":memory:" for a private in-memory database).
  explicit SqliteDatabase(const std::string& path);
  ~SqliteDatabase() override;

  std::string_view backend() const override { return "sqlite"; }
  bool writes_in_parallel() const override { return false; }
  void migrate() override;
  ports::CustomerStore& customers() override;
  ports::WorkLedger& work() override;
  ports::BillStore& bills() override;
  ports::TargetStore& targets() override;
  ports::PolicyStore& policies() override;
  ports::DeliveryStore& deliveries() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tr1l::adapters::sqlite
