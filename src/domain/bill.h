// A customer's bill for one month: the amounts of SPEC §4 and the printable lines.
// Discount amounts are stored as positive numbers; the line kind says they are subtracted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"
#include "domain/customer.h"
#include "domain/money.h"

namespace tr1l::domain {

enum class BillStatus { Issued, Failed };
std::string_view to_string(BillStatus status);

enum class LineKind { Plan, ExcessData, AddOn, ContractDiscount, MilitaryDiscount, WelfareDiscount };
std::string_view to_string(LineKind kind);
bool is_discount(LineKind kind);

struct BillLine {
  LineKind kind = LineKind::Plan;
  std::string code;  // plan, add-on or welfare code; empty for excess data and fixed discounts
  std::string name;  // printed label
  Won amount;        // always positive; zero-amount lines are never created
};

// Why a bill could not be computed. The text codes appear in exports and the admin API.
namespace bill_error {
inline constexpr std::string_view kUnknownPlan = "PLAN_UNKNOWN";
inline constexpr std::string_view kUnknownWelfare = "WELFARE_UNKNOWN";
inline constexpr std::string_view kUnknownAddOn = "ADDON_UNKNOWN";
inline constexpr std::string_view kNoContact = "NO_CONTACT";
inline constexpr std::string_view kCorruptContact = "CONTACT_CORRUPT";
}  // namespace bill_error

struct Bill {
  YearMonth month;
  UserId user_id = 0;
  BillStatus status = BillStatus::Issued;
  std::string plan_code;
  std::string plan_name;

  Won plan_charge;
  Won excess_data;
  Won add_ons;
  Won subtotal;
  Won contract_discount;
  Won military_discount;
  Won welfare_discount;
  Won total;
  Won supply_value;
  Won vat;
  std::vector<BillLine> lines;  // in print order: plan, excess data, add-ons, then discounts

  std::string error_code;     // set when status is Failed
  std::string error_message;  // human-readable reason, never containing personal data

  Won total_discount() const { return contract_discount + military_discount + welfare_discount; }
};

}  // namespace tr1l::domain
