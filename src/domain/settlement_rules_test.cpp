#include "domain/settlement_rules.h"

#include <gtest/gtest.h>

#include "common/embedded_resources.h"

namespace tr1l::domain {
namespace {

Catalog default_catalog() {
  auto file = [](const char* name) { return *embedded::find(std::string("catalog/") + name); };
  return Catalog::parse({file("plans.csv"), file("options.csv"), file("welfare.csv"), file("contract_discount.csv"),
                         file("plan_included_options.csv")});
}

Date date(const char* text) { return *Date::parse(text); }

TEST(SettlementRules, WorkedExampleFromTheSpecification) {
  Catalog catalog = default_catalog();
  BillingAccount account;
  account.user_id = 7;
  account.plan_code = "PLN-043";
  account.welfare_code = "WLF-03";
  account.used_mb = 3800;
  account.contracts = {{date("2025-03-01"), date("2027-03-01")}};
  account.military = MilitaryService{date("2025-01-10"), std::nullopt};
  account.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-12-31")},
                     {"OPT-0006", date("2026-01-01"), date("2026-12-31")},
                     {"OPT-0015", date("2026-01-01"), date("2026-12-31")}};
  Bill bill = settle(catalog, account, *YearMonth::parse("2026-10"));
  ASSERT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.excess_data, Won(632));
  EXPECT_EQ(bill.subtotal, Won(45082));
  EXPECT_EQ(bill.contract_discount, Won(8250));
  EXPECT_EQ(bill.military_discount, Won(4950));
  EXPECT_EQ(bill.welfare_discount, Won(7151));
  EXPECT_EQ(bill.total, Won(24731));
  EXPECT_EQ(bill.supply_value, Won(22482));
  EXPECT_EQ(bill.vat, Won(2249));
}

}  // namespace
}  // namespace tr1l::domain
