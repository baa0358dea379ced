#include "domain/settlement_rules.h"

#include <algorithm>

namespace tr1l::domain {
namespace {

Bill failed(Bill bill, std::string_view code, std::string message) {
  bill.status = BillStatus::Failed;
  // A failed bill carries no amounts: drop anything computed before the failure was found
  // (an unknown add-on is only discovered after the plan and excess lines were added).
  bill.plan_charge = bill.excess_data = bill.add_ons = bill.subtotal = Won(0);
  bill.contract_discount = bill.military_discount = bill.welfare_discount = Won(0);
  bill.total = bill.supply_value = bill.vat = Won(0);
  bill.lines.clear();
  bill.error_code = std::string(code);
  bill.error_message = std::move(message);
  return bill;
}

void add_line(Bill& bill, LineKind kind, std::string code, std::string name, Won amount) {
  if (amount == Won(0)) return;  // zero-amount lines are not printed
  bill.lines.push_back(BillLine{kind, std::move(code), std::move(name), amount});
}

}  // namespace

int contract_length_months(const ContractTerm& term) {
  int months = (term.end.year - term.start.year) * 12 + (term.end.month - term.start.month);
  if (term.end.day < term.start.day) months -= 1;
  return months;
}

const ContractTerm* governing_contract(const std::vector<ContractTerm>& contracts, const YearMonth& month) {
  const ContractTerm* chosen = nullptr;
  for (const ContractTerm& contract : contracts) {
    if (!overlaps_month(contract.start, contract.end, month)) continue;
    if (chosen == nullptr || contract.start > chosen->start ||
        (contract.start == chosen->start && contract.end > chosen->end)) {
      chosen = &contract;
    }
  }
  return chosen;
}

Bill settle(const Catalog& catalog, const BillingAccount& account, const YearMonth& month) {
  Bill bill;
  bill.month = month;
  bill.user_id = account.user_id;
  bill.plan_code = account.plan_code;

  const Plan* plan = catalog.find_plan(account.plan_code);
  if (plan == nullptr) {
    return failed(std::move(bill), bill_error::kUnknownPlan, "plan code " + account.plan_code + " is not in the catalogue");
  }
  bill.plan_name = plan->name;

  const WelfareProgramme* welfare = nullptr;
  if (account.welfare_code) {
    welfare = catalog.find_welfare(*account.welfare_code);
    if (welfare == nullptr) {
      return failed(std::move(bill), bill_error::kUnknownWelfare,
                    "welfare code " + *account.welfare_code + " is not in the catalogue");
    }
  }
  if (account.contact == ContactState::Missing) {
    return failed(std::move(bill), bill_error::kNoContact, "customer has neither e-mail nor phone");
  }
  if (account.contact == ContactState::Corrupt) {
    return failed(std::move(bill), bill_error::kCorruptContact, "stored contact ciphertext is damaged or under an unknown key");
  }

  // 1. Plan charge: the full monthly price, no proration.
  bill.plan_charge = plan->monthly_price;
  add_line(bill, LineKind::Plan, plan->code, plan->name, bill.plan_charge);

  // 2. Excess data, for metered plans only.
  if (plan->data_billing_type == DataBillingType::Metered) {
    const std::int64_t excess_mb = std::max<std::int64_t>(0, account.used_mb - plan->included_data_mb);
    bill.excess_data = plan->excess_won_per_mb.floor_times(Won(excess_mb));
  }
  add_line(bill, LineKind::ExcessData, "", std::string(kExcessDataLabel), bill.excess_data);

  // 3. Add-ons overlapping the month, free when the plan includes them.
  for (const AddOnSubscription& subscription : account.add_ons) {
    if (!overlaps_month(subscription.start, subscription.end, month)) continue;
    const AddOn* add_on = catalog.find_add_on(subscription.add_on_code);
    if (add_on == nullptr) {
      return failed(std::move(bill), bill_error::kUnknownAddOn,
                    "add-on code " + subscription.add_on_code + " is not in the catalogue");
    }
    const Won price = catalog.plan_includes(plan->code, add_on->code) ? Won(0) : add_on->monthly_price;
    bill.add_ons += price;
    add_line(bill, LineKind::AddOn, add_on->code, add_on->name, price);
  }

  // 4. Subtotal.
  bill.subtotal = bill.plan_charge + bill.excess_data + bill.add_ons;

  // 5a. Contract discount on the plan charge.
  Won plan_remainder = bill.plan_charge;
  if (const ContractTerm* contract = governing_contract(account.contracts, month)) {
    if (auto rate = catalog.contract_discount_rate(contract_length_months(*contract))) {
      bill.contract_discount = rate->floor_times(bill.plan_charge);
      plan_remainder -= bill.contract_discount;
    }
  }
  // 5b. Military discount on what is left of the plan charge.
  if (account.military && plan->military_eligible &&
      overlaps_month(account.military->start, account.military->end, month)) {
    bill.military_discount = kMilitaryDiscountRate.floor_times(plan_remainder);
    plan_remainder -= bill.military_discount;
  }
  // 5c. Welfare discount on the plan remainder plus excess data, capped per programme.
  if (welfare != nullptr) {
    Won discount = welfare->rate.floor_times(plan_remainder + bill.excess_data);
    if (welfare->cap && discount > *welfare->cap) discount = *welfare->cap;
    bill.welfare_discount = discount;
  }
  add_line(bill, LineKind::ContractDiscount, "", std::string(kContractDiscountLabel), bill.contract_discount);
  add_line(bill, LineKind::MilitaryDiscount, "", std::string(kMilitaryDiscountLabel), bill.military_discount);
  if (welfare != nullptr) add_line(bill, LineKind::WelfareDiscount, welfare->code, welfare->name, bill.welfare_discount);

  // 6. Total and its VAT split (prices are VAT-inclusive).
  bill.total = std::max(Won(0), bill.subtotal - bill.total_discount());
  bill.supply_value = Won(bill.total.amount() * 10 / 11);
  bill.vat = bill.total - bill.supply_value;
  return bill;
}

}  // namespace tr1l::domain
