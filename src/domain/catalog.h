// The tariff catalogue: plans, add-ons, welfare programmes, contract discounts and the add-ons a
// plan includes for free. Parsed from the catalogue CSV files (catalog/*.csv); immutable after.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/money.h"

namespace tr1l::domain {

enum class DataBillingType {
  Unlimited,  // DBT-01: no excess charge
  Metered,    // DBT-02: excess MB charged per MB
  CutOff,     // DBT-03: data stops at the allowance; no excess charge
};

struct Plan {
  std::string code;
  std::string name;
  Won monthly_price;
  std::int64_t included_data_mb = 0;
  Rate excess_won_per_mb;
  bool military_eligible = false;
  std::string network;
  DataBillingType data_billing_type = DataBillingType::Unlimited;
};

struct AddOn {
  std::string code;
  std::string name;
  Won monthly_price;
};

struct WelfareProgramme {
  std::string code;
  std::string name;
  Rate rate;
  std::optional<Won> cap;  // absent: no cap
};

// The five catalogue files as text, in the CSV layout of catalog/.
struct CatalogFiles {
  std::string_view plans;
  std::string_view add_ons;
  std::string_view welfare;
  std::string_view contract_discounts;
  std::string_view plan_included_add_ons;
};

class CatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Catalog {
 public:
  // Throws CatalogError naming the file, line and field of the first bad value.
  static Catalog parse(const CatalogFiles& files);

  const Plan* find_plan(std::string_view code) const;
  const AddOn* find_add_on(std::string_view code) const;
  const WelfareProgramme* find_welfare(std::string_view code) const;
  std::optional<Rate> contract_discount_rate(int months) const;
  bool plan_includes(std::string_view plan_code, std::string_view add_on_code) const;

  std::size_t plan_count() const { return plans_.size(); }
  std::size_t add_on_count() const { return add_ons_.size(); }
  std::size_t welfare_count() const { return welfare_.size(); }
  // Codes in a stable order, for generators that pick from the catalogue.
  const std::vector<std::string>& plan_codes() const { return plan_codes_; }
  const std::vector<std::string>& add_on_codes() const { return add_on_codes_; }
  const std::vector<std::string>& welfare_codes() const { return welfare_codes_; }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  template <typename Value>
  using Table = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

  Table<Plan> plans_;
  Table<AddOn> add_ons_;
  Table<WelfareProgramme> welfare_;
  std::unordered_map<int, Rate> contract_discounts_;
  Table<std::vector<std::string>> included_;  // plan code -> add-on codes it includes
  std::vector<std::string> plan_codes_;
  std::vector<std::string> add_on_codes_;
  std::vector<std::string> welfare_codes_;
};

}  // namespace tr1l::domain
