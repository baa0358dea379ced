// The synthetic customer base behind `tr1l seed`: N realistic, varied customers with their
// contracts, add-ons, military service and usage, in plaintext. Each customer is a pure function
// of (seed, month, user id), so any range of ids can be generated on any thread, in any order, on
// any platform, and always comes out the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/customer.h"
#include "ingest/prng.h"

namespace tr1l::ingest {

struct SeedOptions {
  std::int64_t users = 0;  // customers with ids 1..users
  domain::YearMonth month;  // the billing month the data is shaped around
  std::uint64_t seed = 0;
};

// Every customer gets a distinct 010-XXXX-XXXX number whose middle group starts with 2-9.
inline constexpr std::int64_t kMaxSeedUsers = 80'000'000;

struct SeedUsage {
  domain::YearMonth month;
  std::int64_t used_mb = 0;
};

// One generated customer: the customers.csv fields plus the rows of the other four files that
// belong to it. Contacts are plaintext and already in normalised form (domain/contact.h), which is
// what gets encrypted and indexed.
struct SeedCustomer {
  domain::UserId user_id = 0;
  std::string name;
  domain::Date birth_date;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> plan_code;
  std::optional<std::string> welfare_code;
  domain::CustomerStatus status = domain::CustomerStatus::Active;
  domain::Role role = domain::Role::User;
  std::optional<int> send_day;
  std::optional<int> quiet_from;
  std::optional<int> quiet_to;
  std::vector<domain::ContractTerm> contracts;
  std::vector<domain::AddOnSubscription> add_ons;
  std::optional<domain::MilitaryService> military;
  std::vector<SeedUsage> usage;  // the month before the billing month, then the billing month
};

class SeedGenerator {
 public:
  // Draws plans, welfare programmes and add-ons from `catalog` (copied: the generator keeps no
  // reference). Throws std::invalid_argument for a negative user count, more than kMaxSeedUsers,
  // or a catalogue without plans.
  SeedGenerator(const SeedOptions& options, const domain::Catalog& catalog);
  // The same over the catalogue compiled into the binary.
  explicit SeedGenerator(const SeedOptions& options);

  const SeedOptions& options() const { return options_; }

  // Customer `user_id`, 1 <= user_id <= options().users. Thread-safe (const, no shared state).
  SeedCustomer customer(domain::UserId user_id) const;

 private:
  struct PlanChoice {
    std::string code;
    std::uint32_t cumulative_weight = 0;  // running total, for weighted picks by binary search
    std::vector<std::string> included_add_ons;
  };

  const PlanChoice& pick_plan(Xoshiro256& random, bool military) const;
  std::string make_phone(domain::UserId user_id) const;

  SeedOptions options_;
  std::vector<PlanChoice> plans_;
  std::vector<PlanChoice> military_plans_;  // military-eligible ones, for customers in service
  std::vector<std::string> welfare_codes_;
  std::vector<std::string> add_on_codes_;
  std::uint64_t phone_keys_[4]{};  // round keys of the id -> phone number permutation
};

}  // namespace tr1l::ingest
