// Test doubles for the ingest unit tests (included only by *_test.cpp): an in-memory customer
// store that enforces the same constraints as the real schema, a fixed key ring, and a scratch
// directory. Unit tests run without servers or files outside a temporary directory.
#pragma once

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "crypto/pii_cipher.h"
#include "ports/database.h"
#include "ports/key_ring.h"

namespace tr1l::ingest::testing {

class TestKeyRing : public ports::KeyRing {
 public:
  TestKeyRing() : key_{"test-1", std::string(32, '\x5A')}, blind_key_(32, '\x3C') {}
  const ports::EncryptionKey& active_key() const override { return key_; }
  const ports::EncryptionKey* find_key(const std::string& id) const override { return id == key_.id ? &key_ : nullptr; }
  std::vector<std::string> key_ids() const override { return {key_.id}; }
  const std::string& blind_index_key() const override { return blind_key_; }

 private:
  ports::EncryptionKey key_;
  std::string blind_key_;
};

// What the store holds, table by table. Rows become visible only at flush, as in the real one.
struct MemoryTables {
  std::map<domain::UserId, ports::StoredCustomer> customers;
  std::vector<ports::ContractRow> contracts;
  std::vector<ports::AddOnRow> add_ons;
  std::map<domain::UserId, domain::MilitaryService> military;
  std::map<std::pair<domain::UserId, std::string>, std::int64_t> usage;
};

class MemoryCustomerStore : public ports::CustomerStore {
 public:
  MemoryTables tables;
  int flushes = 0;

  std::unique_ptr<ports::CustomerLoader> open_loader() override { return std::make_unique<Loader>(*this); }
  std::int64_t count_customers() override { return static_cast<std::int64_t>(tables.customers.size()); }
  std::vector<domain::UserId> all_user_ids() override {
    std::vector<domain::UserId> ids;
    for (const auto& entry : tables.customers) ids.push_back(entry.first);
    return ids;
  }
  std::vector<domain::UserId> user_ids_with_military() override {
    std::vector<domain::UserId> ids;
    for (const auto& entry : tables.military) ids.push_back(entry.first);
    return ids;
  }
  std::vector<std::pair<domain::UserId, std::string>> usage_keys() override {
    std::vector<std::pair<domain::UserId, std::string>> keys;
    for (const auto& entry : tables.usage) keys.push_back(entry.first);
    return keys;
  }
  std::vector<domain::UserId> find_by_contact_index(const std::string& column, const std::string& index) override {
    std::vector<domain::UserId> ids;
    for (const auto& [id, customer] : tables.customers) {
      const auto& stored = column == "email" ? customer.email_index : customer.phone_index;
      if (stored == index) ids.push_back(id);
    }
    return ids;
  }
  std::vector<ports::ContactCiphertexts> contact_page(domain::UserId after, std::size_t limit) override {
    std::vector<ports::ContactCiphertexts> page;
    for (auto it = tables.customers.upper_bound(after); it != tables.customers.end() && page.size() < limit; ++it) {
      page.push_back({it->first, it->second.email_ciphertext, it->second.phone_ciphertext});
    }
    return page;
  }
  void update_contacts(std::span<const ports::ContactCiphertexts> contacts) override {
    for (const auto& contact : contacts) {
      auto& customer = tables.customers.at(contact.user_id);
      customer.email_ciphertext = contact.email_ciphertext;
      customer.phone_ciphertext = contact.phone_ciphertext;
    }
  }

 private:
  // Applies a flush like one transaction, checking what the schema's keys and constraints check,
  // so an importer bug shows up as a DatabaseError here rather than passing silently.
  class Loader : public ports::CustomerLoader {
   public:
    explicit Loader(MemoryCustomerStore& store) : store_(store) {}
    void add(const ports::StoredCustomer& customer) override { pending_.customers.emplace(customer.user_id, customer); ++customer_rows_; }
    void add(const ports::ContractRow& contract) override { pending_.contracts.push_back(contract); }
    void add(const ports::AddOnRow& add_on) override { pending_.add_ons.push_back(add_on); }
    void add(const ports::MilitaryRow& military) override {
      if (!pending_.military.emplace(military.user_id, military.service).second) fail("duplicate military row");
    }
    void add(const ports::UsageRow& usage) override {
      if (!pending_.usage.emplace(std::pair{usage.user_id, usage.month.to_string()}, usage.used_mb).second) {
        fail("duplicate usage row");
      }
    }
    void flush() override {
      MemoryTables& tables = store_.tables;
      if (customer_rows_ != pending_.customers.size()) fail("duplicate customer in one flush");
      for (const auto& [id, customer] : pending_.customers) {
        if (tables.customers.contains(id)) fail("customer " + std::to_string(id) + " already stored");
      }
      auto known = [&](domain::UserId id) { return tables.customers.contains(id) || pending_.customers.contains(id); };
      for (const auto& row : pending_.contracts) {
        if (!known(row.user_id) || row.term.end < row.term.start) fail("bad contract row");
      }
      for (const auto& row : pending_.add_ons) {
        if (!known(row.user_id) || row.subscription.end < row.subscription.start) fail("bad add-on row");
      }
      for (const auto& [id, service] : pending_.military) {
        if (!known(id) || tables.military.contains(id)) fail("bad military row");
      }
      for (const auto& [key, used] : pending_.usage) {
        if (!known(key.first) || tables.usage.contains(key) || used < 0) fail("bad usage row");
      }
      tables.customers.merge(pending_.customers);
      tables.contracts.insert(tables.contracts.end(), pending_.contracts.begin(), pending_.contracts.end());
      tables.add_ons.insert(tables.add_ons.end(), pending_.add_ons.begin(), pending_.add_ons.end());
      tables.military.merge(pending_.military);
      tables.usage.merge(pending_.usage);
      pending_ = {};
      customer_rows_ = 0;
      ++store_.flushes;
    }

   private:
    [[noreturn]] static void fail(const std::string& what) { throw ports::DatabaseError("memory store: " + what); }
    MemoryCustomerStore& store_;
    MemoryTables pending_;
    std::size_t customer_rows_ = 0;
  };
};

// A fresh directory under the system temporary directory, removed with everything in it.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("tr1l-ingest-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` byte for byte (no newline translation).
  void write(const std::string& name, const std::string& content) const {
    std::ofstream output(path_ / name, std::ios::binary | std::ios::trunc);
    output << content;
  }
  std::string read(const std::string& name) const {
    std::ifstream input(path_ / name, std::ios::binary);
    std::stringstream content;
    content << input.rdbuf();
    return content.str();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace tr1l::ingest::testing
