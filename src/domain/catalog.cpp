#include "domain/catalog.h"

#include <algorithm>
#include <charconv>

#include "common/csv.h"

namespace tr1l::domain {
namespace {

// Reads one catalogue file, checking its header, and hands each data row to `handle_row`.
template <typename Handler>
void for_each_row(std::string_view file_name, std::string_view document,
                  const std::vector<std::string_view>& expected_header, Handler handle_row) {
  std::vector<csv::Record> records;
  try {
    records = csv::parse_all(document);
  } catch (const csv::ParseError& error) {
    throw CatalogError(std::string(file_name) + " " + error.what());
  }
  if (records.empty()) throw CatalogError(std::string(file_name) + ": empty file (header expected)");
  const auto& header = records.front().fields;
  if (!std::equal(header.begin(), header.end(), expected_header.begin(), expected_header.end())) {
    std::string expected;
    for (auto column : expected_header) expected += (expected.empty() ? "" : ",") + std::string(column);
    throw CatalogError(std::string(file_name) + " line 1: header must be " + expected);
  }
  for (std::size_t index = 1; index < records.size(); ++index) {
    const csv::Record& record = records[index];
    if (record.fields.size() != expected_header.size()) {
      throw CatalogError(std::string(file_name) + " line " + std::to_string(record.line) + ": expected " +
                         std::to_string(expected_header.size()) + " fields, found " +
                         std::to_string(record.fields.size()));
    }
    auto fail = [&](std::size_t column, const std::string& reason) {
      throw CatalogError(std::string(file_name) + " line " + std::to_string(record.line) + ", field " +
                         std::string(expected_header[column]) + ": " + reason);
    };
    handle_row(record.fields, fail);
  }
}

template <typename Fail>
std::int64_t parse_whole(const std::string& text, std::size_t column, Fail fail) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    fail(column, "'" + text + "' is not a non-negative whole number");
  }
  return value;
}

template <typename Fail>
Rate parse_rate(const std::string& text, std::size_t column, Fail fail) {
  auto rate = Rate::parse(text);
  if (!rate) fail(column, "'" + text + "' is not a decimal rate");
  return *rate;
}

template <typename Fail>
void require_unique(bool inserted, const std::string& code, Fail fail) {
  if (!inserted) fail(0, "duplicate code " + code);
}

}  // namespace

Catalog Catalog::parse(const CatalogFiles& files) {
  Catalog catalog;

  for_each_row("plans.csv", files.plans,
               {"plan_code", "name", "monthly_price_krw", "included_data_mb", "excess_krw_per_mb",
                "military_eligible", "network", "data_billing_type"},
               [&](const std::vector<std::string>& fields, auto fail) {
                 Plan plan;
                 plan.code = fields[0];
                 plan.name = fields[1];
                 plan.monthly_price = Won(parse_whole(fields[2], 2, fail));
                 plan.included_data_mb = parse_whole(fields[3], 3, fail);
                 plan.excess_won_per_mb = parse_rate(fields[4], 4, fail);
                 if (fields[5] == "true") {
                   plan.military_eligible = true;
                 } else if (fields[5] != "false") {
                   fail(5, "'" + fields[5] + "' must be true or false");
                 }
                 plan.network = fields[6];
                 if (fields[7] == "DBT-01") {
                   plan.data_billing_type = DataBillingType::Unlimited;
                 } else if (fields[7] == "DBT-02") {
                   plan.data_billing_type = DataBillingType::Metered;
                 } else if (fields[7] == "DBT-03") {
                   plan.data_billing_type = DataBillingType::CutOff;
                 } else {
                   fail(7, "'" + fields[7] + "' is not DBT-01, DBT-02 or DBT-03");
                 }
                 if (plan.code.empty()) fail(0, "empty code");
                 catalog.plan_codes_.push_back(plan.code);
                 require_unique(catalog.plans_.emplace(plan.code, plan).second, plan.code, fail);
               });

  for_each_row("options.csv", files.add_ons, {"option_code", "name", "monthly_price_krw"},
               [&](const std::vector<std::string>& fields, auto fail) {
                 AddOn add_on{fields[0], fields[1], Won(parse_whole(fields[2], 2, fail))};
                 if (add_on.code.empty()) fail(0, "empty code");
                 catalog.add_on_codes_.push_back(add_on.code);
                 require_unique(catalog.add_ons_.emplace(add_on.code, add_on).second, add_on.code, fail);
               });

  for_each_row("welfare.csv", files.welfare, {"welfare_code", "name", "rate", "cap_krw"},
               [&](const std::vector<std::string>& fields, auto fail) {
                 WelfareProgramme programme{fields[0], fields[1], parse_rate(fields[2], 2, fail), std::nullopt};
                 if (!fields[3].empty()) programme.cap = Won(parse_whole(fields[3], 3, fail));
                 if (programme.code.empty()) fail(0, "empty code");
                 catalog.welfare_codes_.push_back(programme.code);
                 require_unique(catalog.welfare_.emplace(programme.code, programme).second, programme.code, fail);
               });

  for_each_row("contract_discount.csv", files.contract_discounts, {"duration_months", "rate"},
               [&](const std::vector<std::string>& fields, auto fail) {
                 int months = static_cast<int>(parse_whole(fields[0], 0, fail));
                 require_unique(catalog.contract_discounts_.emplace(months, parse_rate(fields[1], 1, fail)).second,
                                fields[0], fail);
               });

  for_each_row("plan_included_options.csv", files.plan_included_add_ons, {"plan_code", "option_code"},
               [&](const std::vector<std::string>& fields, auto fail) {
                 if (!catalog.plans_.contains(fields[0])) fail(0, "unknown plan " + fields[0]);
                 if (!catalog.add_ons_.contains(fields[1])) fail(1, "unknown add-on " + fields[1]);
                 catalog.included_[fields[0]].push_back(fields[1]);
               });

  return catalog;
}

const Plan* Catalog::find_plan(std::string_view code) const {
  auto found = plans_.find(code);
  return found == plans_.end() ? nullptr : &found->second;
}

const AddOn* Catalog::find_add_on(std::string_view code) const {
  auto found = add_ons_.find(code);
  return found == add_ons_.end() ? nullptr : &found->second;
}

const WelfareProgramme* Catalog::find_welfare(std::string_view code) const {
  auto found = welfare_.find(code);
  return found == welfare_.end() ? nullptr : &found->second;
}

std::optional<Rate> Catalog::contract_discount_rate(int months) const {
  auto found = contract_discounts_.find(months);
  if (found == contract_discounts_.end()) return std::nullopt;
  return found->second;
}

bool Catalog::plan_includes(std::string_view plan_code, std::string_view add_on_code) const {
  auto found = included_.find(plan_code);
  if (found == included_.end()) return false;
  return std::find(found->second.begin(), found->second.end(), add_on_code) != found->second.end();
}

}  // namespace tr1l::domain
