#include "domain/settlement_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// Helpers

const Catalog& catalog() {
  static const Catalog instance = default_catalog();
  return instance;
}

YearMonth ym(const char* text) { return *YearMonth::parse(text); }

// The month most tests bill: May 2026 (1st .. 31st).
const char* const kMonth = "2026-05";

BillingAccount account(const char* plan_code) {
  BillingAccount result;
  result.user_id = 42;
  result.plan_code = plan_code;
  return result;
}

Bill settle_default(const BillingAccount& account, const char* month = kMonth) {
  return settle(catalog(), account, ym(month));
}

using Line = std::tuple<LineKind, std::string, std::int64_t>;

std::vector<Line> lines_of(const Bill& bill) {
  std::vector<Line> result;
  for (const BillLine& line : bill.lines) result.emplace_back(line.kind, line.code, line.amount.amount());
  return result;
}

// A small catalogue in the CSV layout; tests override the files they need.
struct CatalogText {
  std::string plans =
      "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n";
  std::string add_ons = "option_code,name,monthly_price_krw\n";
  std::string welfare = "welfare_code,name,rate,cap_krw\n";
  std::string contracts = "duration_months,rate\n12,0.25\n24,0.25\n";
  std::string included = "plan_code,option_code\n";

  Catalog parse() const { return Catalog::parse({plans, add_ons, welfare, contracts, included}); }
};

void expect_no_amounts(const Bill& bill) {
  EXPECT_EQ(bill.plan_charge, Won(0));
  EXPECT_EQ(bill.excess_data, Won(0));
  EXPECT_EQ(bill.add_ons, Won(0));
  EXPECT_EQ(bill.subtotal, Won(0));
  EXPECT_EQ(bill.contract_discount, Won(0));
  EXPECT_EQ(bill.military_discount, Won(0));
  EXPECT_EQ(bill.welfare_discount, Won(0));
  EXPECT_EQ(bill.total, Won(0));
  EXPECT_EQ(bill.supply_value, Won(0));
  EXPECT_EQ(bill.vat, Won(0));
  EXPECT_TRUE(bill.lines.empty());
}

// ---------------------------------------------------------------------------------------------
// 1. Plan charge

TEST(PlanCharge, FullMonthlyPriceAndOneLine) {
  Bill bill = settle_default(account("PLN-006"));
  ASSERT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.month, ym(kMonth));
  EXPECT_EQ(bill.user_id, 42);
  EXPECT_EQ(bill.plan_code, "PLN-006");
  EXPECT_EQ(bill.plan_name, "5G 데이터 플러스");
  EXPECT_EQ(bill.plan_charge, Won(66000));
  EXPECT_EQ(bill.excess_data, Won(0));
  EXPECT_EQ(bill.add_ons, Won(0));
  EXPECT_EQ(bill.subtotal, Won(66000));
  EXPECT_EQ(bill.total_discount(), Won(0));
  EXPECT_EQ(bill.total, Won(66000));
  EXPECT_EQ(bill.supply_value, Won(60000));
  EXPECT_EQ(bill.vat, Won(6000));
  ASSERT_EQ(bill.lines.size(), 1u);
  EXPECT_EQ(bill.lines[0].kind, LineKind::Plan);
  EXPECT_EQ(bill.lines[0].code, "PLN-006");
  EXPECT_EQ(bill.lines[0].name, "5G 데이터 플러스");
  EXPECT_EQ(bill.lines[0].amount, Won(66000));
  EXPECT_TRUE(bill.error_code.empty());
}

TEST(PlanCharge, NoProrationWhateverTheDatesInTheMonth) {
  // Military service, contracts and add-ons that cover only part of the month do not prorate the plan.
  BillingAccount customer = account("PLN-004");  // not military-eligible
  customer.military = MilitaryService{date("2026-05-31"), std::nullopt};
  customer.add_ons = {{"OPT-0001", date("2026-05-31"), date("2026-05-31")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.plan_charge, Won(75000));
  EXPECT_EQ(bill.add_ons, Won(3135));
  EXPECT_EQ(bill.total, Won(78135));
}

TEST(PlanCharge, EveryDefaultPlanChargesItsPrice) {
  for (const std::string& code : catalog().plan_codes()) {
    Bill bill = settle_default(account(code.c_str()));
    ASSERT_EQ(bill.status, BillStatus::Issued) << code;
    EXPECT_EQ(bill.plan_charge, catalog().find_plan(code)->monthly_price) << code;
    EXPECT_EQ(bill.total, bill.plan_charge) << code;
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Excess data

TEST(ExcessData, UnlimitedAndCutOffPlansNeverChargeExcess) {
  for (const char* plan : {"PLN-001", "PLN-013", "PLN-049", "PLN-058", "PLN-059"}) {
    for (std::int64_t used : {0LL, 351LL, 2001LL, 1'000'000LL, 1'000'000'000LL}) {
      BillingAccount customer = account(plan);
      customer.used_mb = used;
      Bill bill = settle_default(customer);
      EXPECT_EQ(bill.excess_data, Won(0)) << plan << " " << used;
      EXPECT_EQ(bill.total, bill.plan_charge) << plan << " " << used;
      EXPECT_EQ(bill.lines.size(), 1u) << plan << " " << used;
    }
  }
}

TEST(ExcessData, UnlimitedAndCutOffIgnoreAPerMbRateEvenWhenTheCatalogueHasOne) {
  CatalogText text;
  text.plans +=
      "U,Unlimited with rate,10000,100,0.5,false,5G,DBT-01\n"
      "C,Cut off with rate,10000,100,0.5,false,LTE,DBT-03\n"
      "M,Metered,10000,100,0.5,false,LTE,DBT-02\n";
  Catalog custom = text.parse();
  for (const char* plan : {"U", "C", "M"}) {
    BillingAccount customer = account(plan);
    customer.used_mb = 10'100;
    Bill bill = settle(custom, customer, ym(kMonth));
    EXPECT_EQ(bill.excess_data, Won(std::string(plan) == "M" ? 5000 : 0)) << plan;
  }
}

TEST(ExcessData, MeteredBelowAtAndAboveTheAllowance) {
  struct Case {
    std::int64_t used;
    std::int64_t excess;
  };
  // PLN-043: 1,500 MB included, 0.275 won per MB.
  for (Case c : {Case{0, 0}, Case{1499, 0}, Case{1500, 0}, Case{1501, 0}, Case{1503, 0}, Case{1504, 1},
                 Case{1540, 11}, Case{2500, 275}, Case{3800, 632}, Case{11500, 2750}, Case{1'001'500, 275'000}}) {
    BillingAccount customer = account("PLN-043");
    customer.used_mb = c.used;
    Bill bill = settle_default(customer);
    EXPECT_EQ(bill.excess_data, Won(c.excess)) << c.used;
    EXPECT_EQ(bill.subtotal, Won(33000 + c.excess)) << c.used;
    const bool has_line = std::any_of(bill.lines.begin(), bill.lines.end(),
                                      [](const BillLine& line) { return line.kind == LineKind::ExcessData; });
    EXPECT_EQ(has_line, c.excess > 0) << c.used;
  }
}

TEST(ExcessData, ExcessLineIsLabelledAndHasNoCode) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.lines.size(), 2u);
  EXPECT_EQ(bill.lines[1].kind, LineKind::ExcessData);
  EXPECT_EQ(bill.lines[1].code, "");
  EXPECT_EQ(bill.lines[1].name, kExcessDataLabel);
  EXPECT_EQ(bill.lines[1].amount, Won(632));
}

TEST(ExcessData, ZeroAllowancePlanChargesFromTheFirstMegabyte) {
  // PLN-044: 0 MB included, 0.275 won per MB.
  for (auto [used, excess] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 0}, {1, 0}, {3, 0}, {4, 1}, {40, 11}, {1000, 275}, {2300, 632}}) {
    BillingAccount customer = account("PLN-044");
    customer.used_mb = used;
    Bill bill = settle_default(customer);
    EXPECT_EQ(bill.excess_data, Won(excess)) << used;
    EXPECT_EQ(bill.total, Won(11990 + excess)) << used;
  }
}

TEST(ExcessData, FractionalWonIsFloored) {
  // PLN-045: 300 MB included, 0.725 won per MB.
  for (auto [used, excess] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {300, 0}, {301, 0}, {302, 1}, {303, 2}, {304, 2}, {305, 3}, {1300, 725}, {1301, 725}, {1302, 726}}) {
    BillingAccount customer = account("PLN-045");
    customer.used_mb = used;
    EXPECT_EQ(settle_default(customer).excess_data, Won(excess)) << used;
  }
}

TEST(ExcessData, MissingUsageIsZeroMegabytes) {
  BillingAccount customer = account("PLN-044");  // default used_mb is 0, as for a missing usage row
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.excess_data, Won(0));
  EXPECT_EQ(bill.total, Won(11990));
  EXPECT_EQ(bill.lines.size(), 1u);
}

TEST(ExcessData, NegativeUsageChargesNothing) {
  BillingAccount customer = account("PLN-044");
  customer.used_mb = -500;
  EXPECT_EQ(settle_default(customer).excess_data, Won(0));
}

// ---------------------------------------------------------------------------------------------
// 3. Add-ons

TEST(AddOns, ChargedWhenOverlappingTheMonth) {
  struct Case {
    const char* start;
    const char* end;
    bool charged;
  };
  for (Case c : {Case{"2026-01-01", "2026-12-31", true},   // around the month
                 Case{"2026-05-10", "2026-05-12", true},   // inside
                 Case{"2025-01-01", "2026-05-01", true},   // ends on the first day
                 Case{"2026-05-31", "2027-01-01", true},   // starts on the last day
                 Case{"2026-05-01", "2026-05-01", true},   // one day: the first
                 Case{"2026-05-31", "2026-05-31", true},   // one day: the last
                 Case{"2025-01-01", "2026-04-30", false},  // ends the day before the month
                 Case{"2026-06-01", "2027-01-01", false},  // starts the day after the month
                 Case{"2024-01-01", "2024-12-31", false},
                 Case{"2027-05-01", "2027-05-31", false}}) {
    BillingAccount customer = account("PLN-006");
    customer.add_ons = {{"OPT-0003", date(c.start), date(c.end)}};
    Bill bill = settle_default(customer);
    ASSERT_EQ(bill.status, BillStatus::Issued);
    EXPECT_EQ(bill.add_ons, Won(c.charged ? 6500 : 0)) << c.start << ".." << c.end;
    EXPECT_EQ(bill.total, Won(66000 + (c.charged ? 6500 : 0))) << c.start << ".." << c.end;
    EXPECT_EQ(bill.lines.size(), c.charged ? 2u : 1u) << c.start << ".." << c.end;
  }
}

TEST(AddOns, LineCarriesCodeNameAndFullPrice) {
  BillingAccount customer = account("PLN-006");
  customer.add_ons = {{"OPT-0005", date("2026-05-20"), date("2026-05-21")}};
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.lines.size(), 2u);
  EXPECT_EQ(bill.lines[1].kind, LineKind::AddOn);
  EXPECT_EQ(bill.lines[1].code, "OPT-0005");
  EXPECT_EQ(bill.lines[1].name, "GS칼텍스 주유세차권&차량정비서비스");
  EXPECT_EQ(bill.lines[1].amount, Won(5900));
}

TEST(AddOns, IncludedInThePlanCostNothingAndPrintNoLine) {
  BillingAccount customer = account("PLN-013");
  customer.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-12-31")},   // 넷플릭스, included
                      {"OPT-0013", date("2026-01-01"), date("2026-12-31")},   // 유튜브 프리미엄, included
                      {"OPT-0001", date("2026-01-01"), date("2026-12-31")}};  // V컬러링, not included
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.add_ons, Won(3135));
  EXPECT_EQ(bill.subtotal, Won(105000 + 3135));
  EXPECT_EQ(lines_of(bill), (std::vector<Line>{{LineKind::Plan, "PLN-013", 105000}, {LineKind::AddOn, "OPT-0001", 3135}}));
}

TEST(AddOns, InclusionIsPerPlan) {
  // 넷플릭스 is included in PLN-013/014/027 but not in PLN-003, which includes 밀리의 서재 instead.
  for (auto [plan, add_on, price] : std::vector<std::tuple<const char*, const char*, std::int64_t>>{
           {"PLN-013", "OPT-0003", 0}, {"PLN-014", "OPT-0003", 0}, {"PLN-027", "OPT-0003", 0},
           {"PLN-003", "OPT-0003", 6500}, {"PLN-003", "OPT-0012", 0}, {"PLN-013", "OPT-0012", 11900},
           {"PLN-006", "OPT-0012", 11900}, {"PLN-027", "OPT-0002", 0}, {"PLN-001", "OPT-0002", 9405}}) {
    BillingAccount customer = account(plan);
    customer.add_ons = {{add_on, date("2026-05-01"), date("2026-05-31")}};
    EXPECT_EQ(settle_default(customer).add_ons, Won(price)) << plan << " " << add_on;
  }
}

TEST(AddOns, ZeroPricedAddOnsPrintNoLine) {
  BillingAccount customer = account("PLN-006");
  customer.add_ons = {{"OPT-0014", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0015", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0016", date("2026-01-01"), date("2026-12-31")}};
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.add_ons, Won(0));
  EXPECT_EQ(lines_of(bill), (std::vector<Line>{{LineKind::Plan, "PLN-006", 66000}}));
}

TEST(AddOns, TheSameAddOnSubscribedTwiceIsChargedTwice) {
  BillingAccount customer = account("PLN-006");
  customer.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-05-10")},
                      {"OPT-0003", date("2026-05-20"), date("2026-12-31")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.add_ons, Won(13000));
  EXPECT_EQ(bill.total, Won(79000));
  EXPECT_EQ(lines_of(bill), (std::vector<Line>{{LineKind::Plan, "PLN-006", 66000},
                                               {LineKind::AddOn, "OPT-0003", 6500},
                                               {LineKind::AddOn, "OPT-0003", 6500}}));
}

TEST(AddOns, AreNeverDiscounted) {
  // Contract, military and an uncapped welfare programme: every discount is the same with or without add-ons.
  BillingAccount plain = account("PLN-043");
  plain.used_mb = 3800;
  plain.welfare_code = "WLF-02";
  plain.contracts = {{date("2025-03-01"), date("2027-03-01")}};
  plain.military = MilitaryService{date("2025-01-10"), std::nullopt};
  BillingAccount with_add_ons = plain;
  with_add_ons.add_ons = {{"OPT-0011", date("2026-01-01"), date("2026-12-31")},
                          {"OPT-0013", date("2026-01-01"), date("2026-12-31")}};
  Bill without = settle_default(plain);
  Bill with = settle_default(with_add_ons);
  EXPECT_EQ(with.add_ons, Won(19900 + 13900));
  EXPECT_EQ(with.contract_discount, without.contract_discount);
  EXPECT_EQ(with.military_discount, without.military_discount);
  EXPECT_EQ(with.welfare_discount, without.welfare_discount);
  EXPECT_EQ(with.welfare_discount, Won(7151));  // floor((19,800 + 632) x 0.35)
  EXPECT_EQ(with.total, without.total + Won(19900 + 13900));
}

TEST(AddOns, UnknownOverlappingAddOnFailsTheBill) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  customer.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-9999", date("2026-05-31"), date("2026-12-31")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.status, BillStatus::Failed);
  EXPECT_EQ(bill.error_code, bill_error::kUnknownAddOn);
  EXPECT_NE(bill.error_message.find("OPT-9999"), std::string::npos) << bill.error_message;
  expect_no_amounts(bill);
}

TEST(AddOns, UnknownAddOnOutsideTheMonthDoesNotFail) {
  BillingAccount customer = account("PLN-006");
  customer.add_ons = {{"OPT-9999", date("2025-01-01"), date("2026-04-30")},
                      {"OPT-9998", date("2026-06-01"), date("2026-12-31")},
                      {"OPT-0003", date("2026-05-01"), date("2026-05-31")}};
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.add_ons, Won(6500));
}

// ---------------------------------------------------------------------------------------------
// 5a. Contract discount

TEST(ContractLength, TheSpecificationFormula) {
  struct Case {
    const char* start;
    const char* end;
    int months;
  };
  for (Case c : {Case{"2025-01-15", "2026-01-15", 12}, Case{"2025-01-31", "2026-01-30", 11},
                 Case{"2025-01-31", "2026-01-31", 12}, Case{"2025-01-01", "2025-12-31", 11},
                 Case{"2025-01-01", "2026-01-01", 12}, Case{"2025-03-01", "2027-03-01", 24},
                 Case{"2025-03-01", "2027-02-28", 23},  // an inclusive "24-month" term reads as 23
                 Case{"2025-03-10", "2027-03-09", 23}, Case{"2025-03-10", "2027-03-10", 24},
                 Case{"2025-03-10", "2027-03-11", 24}, Case{"2024-02-29", "2025-02-28", 11},
                 Case{"2024-02-29", "2025-03-01", 12}, Case{"2025-08-31", "2026-08-30", 11},
                 Case{"2025-12-15", "2026-12-15", 12}, Case{"2025-12-15", "2026-01-14", 0},
                 Case{"2025-12-15", "2026-01-15", 1}, Case{"2026-05-10", "2026-05-10", 0},
                 Case{"2025-05-01", "2026-10-01", 17}, Case{"2025-05-01", "2026-11-01", 18},
                 Case{"2023-05-01", "2026-05-01", 36}}) {
    EXPECT_EQ(contract_length_months({date(c.start), date(c.end)}), c.months) << c.start << ".." << c.end;
  }
}

TEST(ContractDiscount, TwelveAndTwentyFourMonthsGiveAQuarterOfThePlan) {
  for (int length : {0, 1, 6, 11, 12, 13, 18, 23, 24, 25, 36, 48}) {
    BillingAccount customer = account("PLN-006");
    Date start = date("2026-05-10");
    Date end{start.year + (start.month - 1 + length) / 12, (start.month - 1 + length) % 12 + 1, 10};
    customer.contracts = {{start, end}};
    ASSERT_EQ(contract_length_months(customer.contracts[0]), length);
    Bill bill = settle_default(customer);
    const std::int64_t expected = (length == 12 || length == 24) ? 16500 : 0;
    EXPECT_EQ(bill.contract_discount, Won(expected)) << length;
    EXPECT_EQ(bill.total, Won(66000 - expected)) << length;
    EXPECT_EQ(bill.lines.size(), expected > 0 ? 2u : 1u) << length;
  }
}

TEST(ContractDiscount, EndDayBeforeStartDayLosesAMonth) {
  BillingAccount customer = account("PLN-006");
  customer.contracts = {{date("2025-05-31"), date("2026-05-30")}};  // 11 months
  EXPECT_EQ(settle_default(customer).contract_discount, Won(0));
  customer.contracts = {{date("2025-05-31"), date("2026-05-31")}};  // 12 months
  EXPECT_EQ(settle_default(customer).contract_discount, Won(16500));
  customer.contracts = {{date("2025-05-15"), date("2026-05-15")}};  // 12 months
  EXPECT_EQ(settle_default(customer).contract_discount, Won(16500));
}

TEST(ContractDiscount, IsFloorOfPlanTimesRate) {
  // 33,333 x 0.25 = 8,333.25; 11,990 x 0.25 = 2,997.5.
  CatalogText text;
  text.plans += "ODD,Odd,33333,0,0,true,5G,DBT-01\n";
  Catalog custom = text.parse();
  BillingAccount customer = account("ODD");
  customer.contracts = {{date("2025-05-01"), date("2026-05-01")}};
  EXPECT_EQ(settle(custom, customer, ym(kMonth)).contract_discount, Won(8333));

  BillingAccount lte = account("PLN-044");
  lte.contracts = {{date("2025-05-01"), date("2026-05-01")}};
  Bill bill = settle_default(lte);
  EXPECT_EQ(bill.contract_discount, Won(2997));
  EXPECT_EQ(bill.total, Won(11990 - 2997));
}

TEST(ContractDiscount, DiscountsOnlyThePlanChargeNotExcessData) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  customer.contracts = {{date("2025-05-01"), date("2026-05-01")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.contract_discount, Won(8250));
  EXPECT_EQ(bill.total, Won(33000 + 632 - 8250));
}

TEST(ContractDiscount, OnlyContractsOverlappingTheMonthCount) {
  struct Case {
    const char* start;
    const char* end;
    bool applies;
  };
  for (Case c : {Case{"2025-04-30", "2026-04-30", false},  // 12 months, ends the day before the month
                 Case{"2026-06-01", "2027-06-01", false},  // 12 months, starts the day after
                 Case{"2025-05-01", "2026-05-01", true},   // ends on the first day
                 Case{"2026-05-31", "2027-05-31", true},   // starts on the last day
                 Case{"2024-06-01", "2026-06-01", true}}) {
    BillingAccount customer = account("PLN-006");
    customer.contracts = {{date(c.start), date(c.end)}};
    EXPECT_EQ(settle_default(customer).contract_discount, Won(c.applies ? 16500 : 0)) << c.start << ".." << c.end;
  }
}

TEST(GoverningContract, LatestStartWins) {
  const std::vector<ContractTerm> contracts = {{date("2024-06-01"), date("2026-06-01")},   // 24
                                               {date("2025-06-10"), date("2026-07-10")},   // 13, latest start
                                               {date("2025-01-01"), date("2027-01-01")}};  // 24
  const ContractTerm* chosen = governing_contract(contracts, ym(kMonth));
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ(chosen, &contracts[1]);
  // The winner's length decides: 13 months, no discount, although two others would qualify.
  BillingAccount customer = account("PLN-006");
  customer.contracts = contracts;
  EXPECT_EQ(settle_default(customer).contract_discount, Won(0));
}

TEST(GoverningContract, LatestStartWinsAndQualifies) {
  BillingAccount customer = account("PLN-006");
  customer.contracts = {{date("2025-06-10"), date("2026-07-10")},   // 13
                        {date("2025-12-01"), date("2026-12-01")}};  // 12, latest start
  EXPECT_EQ(settle_default(customer).contract_discount, Won(16500));
  std::reverse(customer.contracts.begin(), customer.contracts.end());
  EXPECT_EQ(settle_default(customer).contract_discount, Won(16500));
}

TEST(GoverningContract, TieOnStartLatestEndWins) {
  for (bool reversed : {false, true}) {
    BillingAccount customer = account("PLN-006");
    customer.contracts = {{date("2025-06-01"), date("2026-06-01")},   // 12
                          {date("2025-06-01"), date("2026-07-01")}};  // 13, latest end
    if (reversed) std::reverse(customer.contracts.begin(), customer.contracts.end());
    const ContractTerm* chosen = governing_contract(customer.contracts, ym(kMonth));
    ASSERT_NE(chosen, nullptr);
    EXPECT_EQ(chosen->end, date("2026-07-01"));
    EXPECT_EQ(settle_default(customer).contract_discount, Won(0)) << reversed;

    customer.contracts = {{date("2025-06-01"), date("2026-05-31")},   // 11
                          {date("2025-06-01"), date("2026-06-01")}};  // 12, latest end
    if (reversed) std::reverse(customer.contracts.begin(), customer.contracts.end());
    EXPECT_EQ(settle_default(customer).contract_discount, Won(16500)) << reversed;
  }
}

TEST(GoverningContract, NonOverlappingContractsAreIgnoredEvenWithALaterStart) {
  BillingAccount customer = account("PLN-006");
  customer.contracts = {{date("2025-05-20"), date("2026-05-20")},   // 12, overlaps
                        {date("2026-06-01"), date("2026-07-15")},   // later start, after the month
                        {date("2026-04-01"), date("2026-04-30")}};  // later start, before the month
  const ContractTerm* chosen = governing_contract(customer.contracts, ym(kMonth));
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ(chosen, &customer.contracts[0]);
  EXPECT_EQ(settle_default(customer).contract_discount, Won(16500));
}

TEST(GoverningContract, NoneWhenNothingOverlaps) {
  EXPECT_EQ(governing_contract({}, ym(kMonth)), nullptr);
  EXPECT_EQ(governing_contract({{date("2024-01-01"), date("2026-04-30")}}, ym(kMonth)), nullptr);
}

TEST(ContractDiscount, UsesTheCatalogueRateForTheExactLength) {
  CatalogText text;
  text.plans += "P,P,10000,0,0,false,5G,DBT-01\n";
  text.contracts = "duration_months,rate\n12,0.10\n24,0.30\n36,0.333333\n";
  Catalog custom = text.parse();
  for (auto [end, discount] : std::vector<std::pair<const char*, std::int64_t>>{
           {"2026-05-01", 1000}, {"2027-05-01", 3000}, {"2028-05-01", 3333}, {"2027-11-01", 0}}) {
    BillingAccount customer = account("P");
    customer.contracts = {{date("2025-05-01"), date(end)}};
    EXPECT_EQ(settle(custom, customer, ym(kMonth)).contract_discount, Won(discount)) << end;
  }
}

// ---------------------------------------------------------------------------------------------
// 5b. Military discount

TEST(MilitaryDiscount, ServedAtLeastOneDayOfTheMonth) {
  struct Case {
    const char* start;
    std::optional<const char*> end;
    bool applies;
  };
  for (Case c : {Case{"2024-11-01", "2026-05-01", true},        // last day served is the first of the month
                 Case{"2026-05-31", std::nullopt, true},        // enlisted on the last day
                 Case{"2026-05-31", "2027-11-30", true},
                 Case{"2024-11-01", std::nullopt, true},        // open-ended, still serving
                 Case{"2026-05-10", "2026-05-11", true},
                 Case{"2024-11-01", "2026-04-30", false},       // discharged the day before the month
                 Case{"2026-06-01", std::nullopt, false},       // enlists the day after
                 Case{"2026-06-01", "2027-12-01", false}}) {
    BillingAccount customer = account("PLN-006");
    customer.military = MilitaryService{date(c.start), c.end ? std::optional<Date>(date(*c.end)) : std::nullopt};
    Bill bill = settle_default(customer);
    EXPECT_EQ(bill.military_discount, Won(c.applies ? 13200 : 0)) << c.start;
    EXPECT_EQ(bill.total, Won(66000 - (c.applies ? 13200 : 0))) << c.start;
  }
}

TEST(MilitaryDiscount, NoServiceNoDiscount) {
  EXPECT_EQ(settle_default(account("PLN-006")).military_discount, Won(0));
}

TEST(MilitaryDiscount, IneligiblePlanGetsNothing) {
  for (const char* plan : {"PLN-004", "PLN-042", "PLN-044", "PLN-058", "PLN-030"}) {
    BillingAccount customer = account(plan);
    customer.military = MilitaryService{date("2025-01-01"), std::nullopt};
    EXPECT_EQ(settle_default(customer).military_discount, Won(0)) << plan;
  }
}

TEST(MilitaryDiscount, AppliedAfterTheContractDiscountOnTheRemainder) {
  BillingAccount customer = account("PLN-006");
  customer.military = MilitaryService{date("2025-01-01"), std::nullopt};
  customer.contracts = {{date("2025-01-01"), date("2027-01-01")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.contract_discount, Won(16500));
  EXPECT_EQ(bill.military_discount, Won(9900));  // (66,000 - 16,500) x 0.2, not 66,000 x 0.2
  EXPECT_EQ(bill.total, Won(66000 - 16500 - 9900));
}

TEST(MilitaryDiscount, FloorsTheRemainderAfterTheContractFloor) {
  // 33,333: contract floor(8,333.25) = 8,333 leaves 25,000; military 5,000 (not floor(33,333 x 0.75 x 0.2) = 4,999).
  CatalogText text;
  text.plans += "ODD,Odd,33333,0,0,true,5G,DBT-01\n";
  Catalog custom = text.parse();
  BillingAccount customer = account("ODD");
  customer.military = MilitaryService{date("2025-01-01"), std::nullopt};
  customer.contracts = {{date("2025-05-01"), date("2026-05-01")}};
  Bill bill = settle(custom, customer, ym(kMonth));
  EXPECT_EQ(bill.contract_discount, Won(8333));
  EXPECT_EQ(bill.military_discount, Won(5000));
  // Without the contract: floor(33,333 x 0.2) = 6,666.
  customer.contracts.clear();
  EXPECT_EQ(settle(custom, customer, ym(kMonth)).military_discount, Won(6666));
}

TEST(MilitaryDiscount, DoesNotDiscountExcessData) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  customer.military = MilitaryService{date("2025-01-01"), std::nullopt};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.military_discount, Won(6600));
  EXPECT_EQ(bill.total, Won(33000 + 632 - 6600));
}

TEST(MilitaryDiscount, LineNamedAfterTheDiscount) {
  BillingAccount customer = account("PLN-006");
  customer.military = MilitaryService{date("2025-01-01"), std::nullopt};
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.lines.size(), 2u);
  EXPECT_EQ(bill.lines[1].kind, LineKind::MilitaryDiscount);
  EXPECT_EQ(bill.lines[1].name, "현역병사 할인");
  EXPECT_EQ(bill.lines[1].amount, Won(13200));
}

// ---------------------------------------------------------------------------------------------
// 5c. Welfare discount

struct WelfareCase {
  const char* plan;
  const char* welfare;
  std::int64_t discount;
};

TEST(WelfareDiscount, EachProgramme) {
  for (WelfareCase c : {
           WelfareCase{"PLN-006", "WLF-01", 0},       // 일반: rate 0
           WelfareCase{"PLN-006", "WLF-02", 23100},   // 66,000 x 0.35, no cap
           WelfareCase{"PLN-027", "WLF-02", 45500},   // 130,000 x 0.35, no cap even above every other cap
           WelfareCase{"PLN-006", "WLF-03", 23100},   // below the 28,600 cap
           WelfareCase{"PLN-027", "WLF-03", 28600},   // 45,500 capped
           WelfareCase{"PLN-006", "WLF-04", 23100},   // below the 23,650 cap
           WelfareCase{"PLN-002", "WLF-04", 23650},   // 26,250 capped
           WelfareCase{"PLN-055", "WLF-05", 11000},   // 22,000 x 0.5, below the 12,100 cap
           WelfareCase{"PLN-006", "WLF-05", 12100},   // 33,000 capped
           WelfareCase{"PLN-044", "WLF-02", 4196},    // floor(11,990 x 0.35 = 4,196.5)
       }) {
    BillingAccount customer = account(c.plan);
    customer.welfare_code = c.welfare;
    Bill bill = settle_default(customer);
    ASSERT_EQ(bill.status, BillStatus::Issued) << c.plan << " " << c.welfare;
    EXPECT_EQ(bill.welfare_discount, Won(c.discount)) << c.plan << " " << c.welfare;
    EXPECT_EQ(bill.total, bill.plan_charge - Won(c.discount)) << c.plan << " " << c.welfare;
    const bool has_line = std::any_of(bill.lines.begin(), bill.lines.end(),
                                      [](const BillLine& line) { return line.kind == LineKind::WelfareDiscount; });
    EXPECT_EQ(has_line, c.discount > 0) << c.plan << " " << c.welfare;
  }
}

TEST(WelfareDiscount, UncappedProgrammeOnALargeBill) {
  CatalogText text;
  text.plans += "BIG,Big,1000000000,0,0,false,5G,DBT-01\n";
  text.welfare += "WLF-02,장애인 할인,0.35,\n";
  Catalog custom = text.parse();
  BillingAccount customer = account("BIG");
  customer.welfare_code = "WLF-02";
  Bill bill = settle(custom, customer, ym(kMonth));
  EXPECT_EQ(bill.welfare_discount, Won(350'000'000));
  EXPECT_EQ(bill.total, Won(650'000'000));
}

TEST(WelfareDiscount, CapReachedExactly) {
  CatalogText text;
  text.plans += "P,P,24200,0,0,false,5G,DBT-01\nQ,Q,24202,0,0,false,5G,DBT-01\nR,R,24198,0,0,false,5G,DBT-01\n";
  text.welfare += "W,W,0.5,12100\n";
  Catalog custom = text.parse();
  for (auto [plan, discount] : std::vector<std::pair<const char*, std::int64_t>>{{"P", 12100}, {"Q", 12100}, {"R", 12099}}) {
    BillingAccount customer = account(plan);
    customer.welfare_code = "W";
    EXPECT_EQ(settle(custom, customer, ym(kMonth)).welfare_discount, Won(discount)) << plan;
  }
}

TEST(WelfareDiscount, ZeroCapMeansNoDiscount) {
  CatalogText text;
  text.plans += "P,P,24200,0,0,false,5G,DBT-01\n";
  text.welfare += "W,W,0.5,0\n";
  Catalog custom = text.parse();
  BillingAccount customer = account("P");
  customer.welfare_code = "W";
  Bill bill = settle(custom, customer, ym(kMonth));
  EXPECT_EQ(bill.welfare_discount, Won(0));
  EXPECT_EQ(bill.lines.size(), 1u);
}

TEST(WelfareDiscount, BaseIsPlanRemainderPlusExcessData) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;  // excess 632
  customer.welfare_code = "WLF-02";
  EXPECT_EQ(settle_default(customer).welfare_discount, Won(11771));  // floor(33,632 x 0.35 = 11,771.2)
  customer.contracts = {{date("2025-03-01"), date("2027-03-01")}};
  EXPECT_EQ(settle_default(customer).welfare_discount, Won(8883));  // floor((24,750 + 632) x 0.35 = 8,883.7)
  customer.military = MilitaryService{date("2025-01-10"), std::nullopt};
  EXPECT_EQ(settle_default(customer).welfare_discount, Won(7151));  // floor((19,800 + 632) x 0.35 = 7,151.2)
}

TEST(WelfareDiscount, LineNamedAfterTheProgramme) {
  BillingAccount customer = account("PLN-006");
  customer.welfare_code = "WLF-03";
  Bill bill = settle_default(customer);
  ASSERT_EQ(bill.lines.size(), 2u);
  EXPECT_EQ(bill.lines[1].kind, LineKind::WelfareDiscount);
  EXPECT_EQ(bill.lines[1].code, "WLF-03");
  EXPECT_EQ(bill.lines[1].name, "국가 유공자 할인");
  EXPECT_EQ(bill.lines[1].amount, Won(23100));
  customer.welfare_code = "WLF-05";
  EXPECT_EQ(settle_default(customer).lines[1].name, "기초 연금 수급자 할인");
}

// ---------------------------------------------------------------------------------------------
// Bills that cannot be computed

TEST(FailedBills, UnknownWelfare) {
  BillingAccount customer = account("PLN-006");
  customer.welfare_code = "WLF-99";
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.status, BillStatus::Failed);
  EXPECT_EQ(bill.error_code, bill_error::kUnknownWelfare);
  EXPECT_NE(bill.error_message.find("WLF-99"), std::string::npos);
  EXPECT_EQ(bill.user_id, 42);
  EXPECT_EQ(bill.month, ym(kMonth));
  expect_no_amounts(bill);
}

TEST(FailedBills, UnknownPlan) {
  BillingAccount customer = account("PLN-999");
  customer.used_mb = 5000;
  customer.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-12-31")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.status, BillStatus::Failed);
  EXPECT_EQ(bill.error_code, bill_error::kUnknownPlan);
  EXPECT_NE(bill.error_message.find("PLN-999"), std::string::npos);
  EXPECT_EQ(bill.plan_code, "PLN-999");
  expect_no_amounts(bill);
}

TEST(FailedBills, NoContact) {
  BillingAccount customer = account("PLN-006");
  customer.contact = ContactState::Missing;
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.status, BillStatus::Failed);
  EXPECT_EQ(bill.error_code, bill_error::kNoContact);
  EXPECT_FALSE(bill.error_message.empty());
  expect_no_amounts(bill);
}

TEST(FailedBills, CorruptContact) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 4000;
  customer.welfare_code = "WLF-02";
  customer.contact = ContactState::Corrupt;
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.status, BillStatus::Failed);
  EXPECT_EQ(bill.error_code, bill_error::kCorruptContact);
  expect_no_amounts(bill);
}

TEST(FailedBills, ErrorCodeTexts) {
  EXPECT_EQ(bill_error::kUnknownPlan, "PLAN_UNKNOWN");
  EXPECT_EQ(bill_error::kUnknownWelfare, "WELFARE_UNKNOWN");
  EXPECT_EQ(bill_error::kUnknownAddOn, "ADDON_UNKNOWN");
  EXPECT_EQ(bill_error::kNoContact, "NO_CONTACT");
  EXPECT_EQ(bill_error::kCorruptContact, "CONTACT_CORRUPT");
  EXPECT_EQ(to_string(BillStatus::Failed), "FAILED");
  EXPECT_EQ(to_string(BillStatus::Issued), "ISSUED");
}

TEST(IssuedBills, CarryNoErrorAndReachableIsTheDefault) {
  Bill bill = settle_default(account("PLN-006"));
  EXPECT_EQ(bill.status, BillStatus::Issued);
  EXPECT_TRUE(bill.error_code.empty());
  EXPECT_TRUE(bill.error_message.empty());
}

// ---------------------------------------------------------------------------------------------
// 6. Total, supply value and VAT

TEST(Total, SupplyValueAndVatSplit) {
  CatalogText text;
  const std::vector<std::int64_t> totals = {0, 1, 2, 10, 11, 12, 21, 22, 100, 24731, 45082, 66000, 110000, 999'999'999'999};
  for (std::int64_t total : totals) {
    text.plans += "T" + std::to_string(total) + ",T," + std::to_string(total) + ",0,0,false,5G,DBT-01\n";
  }
  Catalog custom = text.parse();
  for (std::int64_t total : totals) {
    Bill bill = settle(custom, account(("T" + std::to_string(total)).c_str()), ym(kMonth));
    ASSERT_EQ(bill.status, BillStatus::Issued);
    EXPECT_EQ(bill.total, Won(total));
    EXPECT_EQ(bill.supply_value, Won(total * 10 / 11)) << total;
    EXPECT_EQ(bill.vat, Won(total - total * 10 / 11)) << total;
    EXPECT_EQ(bill.supply_value + bill.vat, bill.total);
  }
  // Spot values worked by hand.
  auto split = [&](std::int64_t total) {
    Bill bill = settle(custom, account(("T" + std::to_string(total)).c_str()), ym(kMonth));
    return std::make_pair(bill.supply_value.amount(), bill.vat.amount());
  };
  EXPECT_EQ(split(0), std::make_pair(std::int64_t{0}, std::int64_t{0}));
  EXPECT_EQ(split(1), std::make_pair(std::int64_t{0}, std::int64_t{1}));
  EXPECT_EQ(split(10), std::make_pair(std::int64_t{9}, std::int64_t{1}));
  EXPECT_EQ(split(11), std::make_pair(std::int64_t{10}, std::int64_t{1}));
  EXPECT_EQ(split(24731), std::make_pair(std::int64_t{22482}, std::int64_t{2249}));
  EXPECT_EQ(split(66000), std::make_pair(std::int64_t{60000}, std::int64_t{6000}));
  EXPECT_EQ(split(999'999'999'999), std::make_pair(std::int64_t{909'090'909'090}, std::int64_t{90'909'090'909}));
}

TEST(Total, ZeroPricedPlanPrintsNoLine) {
  CatalogText text;
  text.plans += "FREE,Free,0,0,0,true,5G,DBT-01\n";
  Catalog custom = text.parse();
  Bill bill = settle(custom, account("FREE"), ym(kMonth));
  EXPECT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.total, Won(0));
  EXPECT_TRUE(bill.lines.empty());
}

TEST(Total, NeverNegative) {
  // A catalogue whose welfare rate exceeds 100% would discount more than the bill.
  CatalogText text;
  text.plans += "P,P,10000,0,0,true,5G,DBT-01\n";
  text.welfare += "GIVE,Give-away,2,\n";
  Catalog custom = text.parse();
  BillingAccount customer = account("P");
  customer.welfare_code = "GIVE";
  Bill bill = settle(custom, customer, ym(kMonth));
  EXPECT_EQ(bill.status, BillStatus::Issued);
  EXPECT_EQ(bill.total, Won(0));
  EXPECT_EQ(bill.supply_value, Won(0));
  EXPECT_EQ(bill.vat, Won(0));
}

TEST(Total, SubtotalMinusAllDiscounts) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  customer.welfare_code = "WLF-03";
  customer.contracts = {{date("2025-03-01"), date("2027-03-01")}};
  customer.military = MilitaryService{date("2025-01-10"), std::nullopt};
  customer.add_ons = {{"OPT-0003", date("2026-01-01"), date("2026-12-31")}};
  Bill bill = settle_default(customer);
  EXPECT_EQ(bill.subtotal, bill.plan_charge + bill.excess_data + bill.add_ons);
  EXPECT_EQ(bill.total, bill.subtotal - bill.total_discount());
  EXPECT_EQ(bill.total_discount(), Won(8250 + 4950 + 7151));
}

// ---------------------------------------------------------------------------------------------
// 7. Lines

TEST(Lines, OrderAndZeroLinesOmitted) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 3800;
  customer.welfare_code = "WLF-03";
  customer.contracts = {{date("2025-03-01"), date("2027-03-01")}};
  customer.military = MilitaryService{date("2025-01-10"), std::nullopt};
  customer.add_ons = {{"OPT-0006", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0015", date("2026-01-01"), date("2026-12-31")},   // 0 won: no line
                      {"OPT-0003", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0001", date("2026-11-01"), date("2026-12-31")}};  // not in the month
  Bill bill = settle_default(customer, "2026-10");
  EXPECT_EQ(lines_of(bill), (std::vector<Line>{{LineKind::Plan, "PLN-043", 33000},
                                               {LineKind::ExcessData, "", 632},
                                               {LineKind::AddOn, "OPT-0006", 4950},
                                               {LineKind::AddOn, "OPT-0003", 6500},
                                               {LineKind::ContractDiscount, "", 8250},
                                               {LineKind::MilitaryDiscount, "", 4950},
                                               {LineKind::WelfareDiscount, "WLF-03", 7151}}));
  ASSERT_EQ(bill.lines.size(), 7u);
  EXPECT_EQ(bill.lines[4].name, "선택약정 할인");
  EXPECT_EQ(bill.lines[5].name, "현역병사 할인");
  EXPECT_EQ(bill.lines[6].name, "국가 유공자 할인");
  for (const BillLine& line : bill.lines) EXPECT_GT(line.amount, Won(0));
}

TEST(Lines, AddOnsInSubscriptionOrder) {
  BillingAccount customer = account("PLN-006");
  customer.add_ons = {{"OPT-0011", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0001", date("2026-01-01"), date("2026-12-31")},
                      {"OPT-0007", date("2026-01-01"), date("2026-12-31")}};
  EXPECT_EQ(lines_of(settle_default(customer)), (std::vector<Line>{{LineKind::Plan, "PLN-006", 66000},
                                                                   {LineKind::AddOn, "OPT-0011", 19900},
                                                                   {LineKind::AddOn, "OPT-0001", 3135},
                                                                   {LineKind::AddOn, "OPT-0007", 4000}}));
}

TEST(Lines, ChargesSumToSubtotalAndDiscountsToTotalDiscount) {
  BillingAccount customer = account("PLN-043");
  customer.used_mb = 9999;
  customer.welfare_code = "WLF-04";
  customer.contracts = {{date("2025-05-01"), date("2026-05-01")}};
  customer.military = MilitaryService{date("2026-05-31"), std::nullopt};
  customer.add_ons = {{"OPT-0002", date("2026-05-01"), date("2026-05-01")}};
  Bill bill = settle_default(customer);
  Won charges, discounts;
  for (const BillLine& line : bill.lines) (is_discount(line.kind) ? discounts : charges) += line.amount;
  EXPECT_EQ(charges, bill.subtotal);
  EXPECT_EQ(discounts, bill.total_discount());
}

// ---------------------------------------------------------------------------------------------
// Property test: settle() against an independent re-implementation of SPEC §4.
//
// The oracle reads the catalogue CSV text itself (plain split on commas; the catalogues used here
// have no quoted fields), keeps every rate as an integer fraction numerator/denominator taken from
// its decimal text, compares dates as yyyymmdd integers, and follows the numbered rules of §4.

struct Fraction {
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
};

Fraction fraction_of(const std::string& text) {
  Fraction result;
  bool after_point = false;
  for (char character : text) {
    if (character == '.') {
      after_point = true;
      continue;
    }
    result.numerator = result.numerator * 10 + (character - '0');
    if (after_point) result.denominator *= 10;
  }
  return result;
}

// floor(quantity x fraction) for quantity >= 0.
std::int64_t floor_times(std::int64_t quantity, Fraction rate) {
  return static_cast<std::int64_t>(static_cast<__int128>(quantity) * rate.numerator / rate.denominator);
}

std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  for (std::size_t position = 0; position <= text.size(); ++position) {
    if (position == text.size() || text[position] == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) {
        if (!header) {
          std::vector<std::string> fields(1);
          for (char character : line) {
            if (character == ',') fields.emplace_back();
            else fields.back().push_back(character);
          }
          rows.push_back(fields);
        }
        header = false;
      }
      line.clear();
    } else {
      line.push_back(text[position]);
    }
  }
  return rows;
}

struct OraclePlan {
  std::string name;
  std::int64_t price = 0;
  std::int64_t included_mb = 0;
  Fraction per_mb;
  bool military = false;
  std::string billing_type;
};

struct OracleCatalog {
  std::map<std::string, OraclePlan> plans;
  std::map<std::string, std::pair<std::string, std::int64_t>> add_ons;  // name, price
  struct Welfare {
    std::string name;
    Fraction rate;
    std::optional<std::int64_t> cap;
  };
  std::map<std::string, Welfare> welfare;
  std::map<std::int64_t, Fraction> contract_rates;
  std::set<std::pair<std::string, std::string>> included;

  explicit OracleCatalog(const CatalogText& text) {
    for (const auto& row : rows_of(text.plans)) {
      plans[row[0]] = {row[1], std::stoll(row[2]), std::stoll(row[3]), fraction_of(row[4]), row[5] == "true", row[7]};
    }
    for (const auto& row : rows_of(text.add_ons)) add_ons[row[0]] = {row[1], std::stoll(row[2])};
    for (const auto& row : rows_of(text.welfare)) {
      welfare[row[0]] = {row[1], fraction_of(row[2]),
                         row[3].empty() ? std::nullopt : std::optional<std::int64_t>(std::stoll(row[3]))};
    }
    for (const auto& row : rows_of(text.contracts)) contract_rates[std::stoll(row[0])] = fraction_of(row[1]);
    for (const auto& row : rows_of(text.included)) included.insert({row[0], row[1]});
  }
};

struct Expected {
  std::set<std::string> failures;  // every failure that applies; the bill must report one of them
  std::int64_t plan = 0, excess = 0, add_ons = 0, subtotal = 0, contract = 0, military = 0, welfare = 0;
  std::int64_t total = 0, supply = 0, vat = 0;
  std::vector<std::tuple<LineKind, std::string, std::string, std::int64_t>> lines;  // kind, code, name, amount
};

int oracle_days_in_month(int year, int month) {
  if (month == 2) return (year % 400 == 0 || (year % 4 == 0 && year % 100 != 0)) ? 29 : 28;
  return (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
}

int day_number(const Date& date) { return date.year * 10000 + date.month * 100 + date.day; }

Expected oracle(const OracleCatalog& catalog, const BillingAccount& account, int year, int month) {
  const int first = year * 10000 + month * 100 + 1;
  const int last = year * 10000 + month * 100 + oracle_days_in_month(year, month);
  auto overlaps = [&](const Date& start, const Date& end) { return day_number(start) <= last && day_number(end) >= first; };

  Expected e;
  auto plan_found = catalog.plans.find(account.plan_code);
  if (plan_found == catalog.plans.end()) e.failures.insert("PLAN_UNKNOWN");
  const OracleCatalog::Welfare* welfare = nullptr;
  if (account.welfare_code) {
    auto found = catalog.welfare.find(*account.welfare_code);
    if (found == catalog.welfare.end()) e.failures.insert("WELFARE_UNKNOWN");
    else welfare = &found->second;
  }
  if (account.contact == ContactState::Missing) e.failures.insert("NO_CONTACT");
  if (account.contact == ContactState::Corrupt) e.failures.insert("CONTACT_CORRUPT");
  for (const auto& subscription : account.add_ons) {
    if (overlaps(subscription.start, subscription.end) && !catalog.add_ons.contains(subscription.add_on_code)) {
      e.failures.insert("ADDON_UNKNOWN");
    }
  }
  if (!e.failures.empty()) return e;
  const OraclePlan& plan = plan_found->second;

  // 1. Plan charge.
  e.plan = plan.price;
  // 2. Excess data, DBT-02 only.
  if (plan.billing_type == "DBT-02") e.excess = floor_times(std::max<std::int64_t>(0, account.used_mb - plan.included_mb), plan.per_mb);
  if (e.plan > 0) e.lines.emplace_back(LineKind::Plan, account.plan_code, plan.name, e.plan);
  if (e.excess > 0) e.lines.emplace_back(LineKind::ExcessData, "", std::string(kExcessDataLabel), e.excess);
  // 3. Add-ons overlapping M, free when included in the plan.
  for (const auto& subscription : account.add_ons) {
    if (!overlaps(subscription.start, subscription.end)) continue;
    const auto& [name, price] = catalog.add_ons.at(subscription.add_on_code);
    const std::int64_t charged = catalog.included.contains({account.plan_code, subscription.add_on_code}) ? 0 : price;
    e.add_ons += charged;
    if (charged > 0) e.lines.emplace_back(LineKind::AddOn, subscription.add_on_code, name, charged);
  }
  // 4. Subtotal.
  e.subtotal = e.plan + e.excess + e.add_ons;
  // 5. Contract: the overlapping contract with the latest start, then the latest end.
  const ContractTerm* governing = nullptr;
  for (const auto& contract : account.contracts) {
    if (!overlaps(contract.start, contract.end)) continue;
    if (governing == nullptr) {
      governing = &contract;
      continue;
    }
    const int start = day_number(contract.start), best_start = day_number(governing->start);
    if (start > best_start || (start == best_start && day_number(contract.end) > day_number(governing->end))) {
      governing = &contract;
    }
  }
  if (governing != nullptr) {
    std::int64_t length = (governing->end.year - governing->start.year) * 12 + (governing->end.month - governing->start.month);
    if (governing->end.day < governing->start.day) length -= 1;
    auto rate = catalog.contract_rates.find(length);
    if (rate != catalog.contract_rates.end()) e.contract = floor_times(e.plan, rate->second);
  }
  const std::int64_t r1 = e.plan - e.contract;
  // Military: at least one day served in M, eligible plan; 20% of R1.
  if (account.military && plan.military && day_number(account.military->start) <= last &&
      (!account.military->end || day_number(*account.military->end) >= first)) {
    e.military = r1 * 20 / 100;
  }
  const std::int64_t r2 = r1 - e.military;
  // Welfare on R2 + X, capped.
  if (welfare != nullptr) {
    e.welfare = floor_times(r2 + e.excess, welfare->rate);
    if (welfare->cap && e.welfare > *welfare->cap) e.welfare = *welfare->cap;
  }
  if (e.contract > 0) e.lines.emplace_back(LineKind::ContractDiscount, "", "선택약정 할인", e.contract);
  if (e.military > 0) e.lines.emplace_back(LineKind::MilitaryDiscount, "", "현역병사 할인", e.military);
  if (e.welfare > 0) e.lines.emplace_back(LineKind::WelfareDiscount, *account.welfare_code, welfare->name, e.welfare);
  // 6. Total and VAT.
  e.total = std::max<std::int64_t>(0, e.subtotal - e.contract - e.military - e.welfare);
  e.supply = e.total * 10 / 11;
  e.vat = e.total - e.supply;
  return e;
}

// xorshift64*: a tiny deterministic PRNG.
class Prng {
 public:
  explicit Prng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  int below(int bound) { return static_cast<int>(next() % static_cast<std::uint64_t>(bound)); }
  int between(int low, int high) { return low + below(high - low + 1); }
  bool chance(int percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

Date add_months(const Date& date, int months, int day) {
  int index = date.year * 12 + (date.month - 1) + months;
  Date result{index / 12, index % 12 + 1, 1};
  result.day = std::clamp(day, 1, oracle_days_in_month(result.year, result.month));
  return result;
}

Date previous_day(const Date& date) {
  if (date.day > 1) return {date.year, date.month, date.day - 1};
  Date result = add_months(date, -1, 1);
  result.day = oracle_days_in_month(result.year, result.month);
  return result;
}

Date next_day(const Date& date) {
  if (date.day < oracle_days_in_month(date.year, date.month)) return {date.year, date.month, date.day + 1};
  return add_months(date, 1, 1);
}

// A date near the billing month, often exactly on or next to one of its edges.
Date random_date_near(Prng& prng, const YearMonth& month) {
  const Date first = month.first_day(), last = month.last_day();
  switch (prng.below(10)) {
    case 0: return previous_day(first);
    case 1: return first;
    case 2: return last;
    case 3: return next_day(last);
    default: {
      Date anchor = add_months(first, prng.between(-30, 3), 1);
      anchor.day = prng.between(1, oracle_days_in_month(anchor.year, anchor.month));
      return anchor;
    }
  }
}

Date random_end_after(Prng& prng, const Date& start, const YearMonth& month) {
  Date end = prng.chance(50) ? random_date_near(prng, month) : add_months(start, prng.between(0, 30), prng.between(1, 31));
  return end < start ? start : end;
}

BillingAccount random_account(Prng& prng, const Catalog& catalog, const YearMonth& month, UserId id) {
  BillingAccount account;
  account.user_id = id;
  account.plan_code = prng.chance(3) ? "PLN-UNKNOWN" : catalog.plan_codes()[prng.below(static_cast<int>(catalog.plan_codes().size()))];
  const int welfare_roll = prng.below(100);
  if (welfare_roll < 4) {
    account.welfare_code = "WLF-UNKNOWN";
  } else if (welfare_roll < 60) {
    account.welfare_code = catalog.welfare_codes()[prng.below(static_cast<int>(catalog.welfare_codes().size()))];
  }
  const int contact_roll = prng.below(100);
  account.contact = contact_roll < 2 ? ContactState::Missing : contact_roll < 4 ? ContactState::Corrupt : ContactState::Reachable;

  const int contract_count = prng.below(4);
  static constexpr int kLengths[] = {0, 1, 11, 12, 12, 12, 13, 23, 24, 24, 24, 25, 36, 18};
  for (int index = 0; index < contract_count; ++index) {
    Date start = random_date_near(prng, month);
    const int length = kLengths[prng.below(static_cast<int>(std::size(kLengths)))];
    int day = start.day;
    switch (prng.below(4)) {
      case 0: day = start.day - 1; break;
      case 1: day = start.day + 1; break;
      case 2: day = prng.between(1, 31); break;
      default: break;
    }
    Date end = add_months(start, length, day);
    if (end < start) end = start;
    account.contracts.push_back({start, end});
    // Sometimes a second contract with the same start, to exercise the tie rule.
    if (prng.chance(10)) account.contracts.push_back({start, random_end_after(prng, start, month)});
  }

  const int add_on_count = prng.below(8);
  for (int index = 0; index < add_on_count; ++index) {
    std::string code = prng.chance(2) ? "OPT-UNKNOWN"
                                      : catalog.add_on_codes()[prng.below(static_cast<int>(catalog.add_on_codes().size()))];
    Date start = random_date_near(prng, month);
    account.add_ons.push_back({code, start, random_end_after(prng, start, month)});
  }

  if (prng.chance(40)) {
    Date start = random_date_near(prng, month);
    std::optional<Date> end;
    if (prng.chance(60)) end = random_end_after(prng, start, month);
    account.military = MilitaryService{start, end};
  }

  const Plan* plan = catalog.find_plan(account.plan_code);
  const std::int64_t included = plan ? plan->included_data_mb : 1000;
  switch (prng.below(4)) {
    case 0: account.used_mb = 0; break;
    case 1: account.used_mb = std::max<std::int64_t>(0, included + prng.between(-10, 10)); break;
    case 2: account.used_mb = prng.between(0, 20000); break;
    default: account.used_mb = static_cast<std::int64_t>(prng.next() % 10'000'000); break;
  }
  return account;
}

std::string describe(const BillingAccount& account, const YearMonth& month) {
  std::string text = "month " + month.to_string() + " user " + std::to_string(account.user_id) + " plan " +
                     account.plan_code + " welfare " + account.welfare_code.value_or("-") + " used " +
                     std::to_string(account.used_mb) + " contact " + std::to_string(static_cast<int>(account.contact));
  for (const auto& contract : account.contracts) text += " contract " + contract.start.to_string() + ".." + contract.end.to_string();
  for (const auto& add_on : account.add_ons) {
    text += " addon " + add_on.add_on_code + " " + add_on.start.to_string() + ".." + add_on.end.to_string();
  }
  if (account.military) {
    text += " military " + account.military->start.to_string() + ".." +
            (account.military->end ? account.military->end->to_string() : std::string("open"));
  }
  return text;
}

struct PropertyStats {
  int failed = 0, contract = 0, military = 0, welfare = 0, capped = 0, excess = 0, add_ons = 0, zero_total = 0;
};

PropertyStats check_against_oracle(const CatalogText& text, std::uint64_t seed, int count) {
  const Catalog catalog = text.parse();
  const OracleCatalog reference(text);
  Prng prng(seed);
  PropertyStats stats;
  for (int index = 0; index < count; ++index) {
    const YearMonth month{prng.between(2024, 2027), prng.between(1, 12)};
    const BillingAccount account = random_account(prng, catalog, month, index + 1);
    const Bill bill = settle(catalog, account, month);
    const Expected expected = oracle(reference, account, month.year, month.month);
    const std::string context = describe(account, month);

    EXPECT_EQ(bill.user_id, account.user_id);
    EXPECT_EQ(bill.month, month);
    if (!expected.failures.empty()) {
      ++stats.failed;
      EXPECT_EQ(bill.status, BillStatus::Failed) << context;
      EXPECT_TRUE(expected.failures.contains(bill.error_code)) << bill.error_code << " " << context;
      expect_no_amounts(bill);
      if (::testing::Test::HasFailure()) break;  // one detailed counterexample is enough
      continue;
    }
    EXPECT_EQ(bill.status, BillStatus::Issued) << bill.error_code << " " << context;
    EXPECT_EQ(bill.plan_charge.amount(), expected.plan) << context;
    EXPECT_EQ(bill.excess_data.amount(), expected.excess) << context;
    EXPECT_EQ(bill.add_ons.amount(), expected.add_ons) << context;
    EXPECT_EQ(bill.subtotal.amount(), expected.subtotal) << context;
    EXPECT_EQ(bill.contract_discount.amount(), expected.contract) << context;
    EXPECT_EQ(bill.military_discount.amount(), expected.military) << context;
    EXPECT_EQ(bill.welfare_discount.amount(), expected.welfare) << context;
    EXPECT_EQ(bill.total.amount(), expected.total) << context;
    EXPECT_EQ(bill.supply_value.amount(), expected.supply) << context;
    EXPECT_EQ(bill.vat.amount(), expected.vat) << context;
    std::vector<std::tuple<LineKind, std::string, std::string, std::int64_t>> actual_lines;
    for (const BillLine& line : bill.lines) actual_lines.emplace_back(line.kind, line.code, line.name, line.amount.amount());
    EXPECT_EQ(actual_lines, expected.lines) << context;
    if (::testing::Test::HasFailure()) break;  // one detailed counterexample is enough

    stats.contract += expected.contract > 0;
    stats.military += expected.military > 0;
    stats.welfare += expected.welfare > 0;
    if (account.welfare_code) {
      const auto& programme = reference.welfare.at(*account.welfare_code);
      stats.capped += programme.cap && expected.welfare == *programme.cap && expected.welfare > 0;
    }
    stats.excess += expected.excess > 0;
    stats.add_ons += expected.add_ons > 0;
    stats.zero_total += expected.total == 0;
  }
  return stats;
}

CatalogText embedded_catalog_text() {
  auto file = [](const char* name) { return std::string(*embedded::find(std::string("catalog/") + name)); };
  CatalogText text;
  text.plans = file("plans.csv");
  text.add_ons = file("options.csv");
  text.welfare = file("welfare.csv");
  text.contracts = file("contract_discount.csv");
  text.included = file("plan_included_options.csv");
  return text;
}

TEST(SettlementProperty, MatchesAnIndependentOracleOnTheDefaultCatalogue) {
  PropertyStats stats = check_against_oracle(embedded_catalog_text(), 0xC0FFEE1234567ull, 5000);
  // The generator must actually reach every rule, or the comparison proves little.
  EXPECT_GT(stats.failed, 300);
  EXPECT_GT(stats.contract, 500);
  EXPECT_GT(stats.military, 300);
  EXPECT_GT(stats.welfare, 1000);
  EXPECT_GT(stats.capped, 300);
  EXPECT_GT(stats.excess, 150);
  EXPECT_GT(stats.add_ons, 1500);
}

TEST(SettlementProperty, MatchesAnIndependentOracleOnAnAwkwardCatalogue) {
  CatalogText text;
  text.plans +=
      "S1,Metered odd,33333,1000,0.123457,true,LTE,DBT-02\n"
      "S2,Metered dear,99999,0,1.5,true,LTE,DBT-02\n"
      "S3,Unlimited with a rate,77777,0,0.5,true,5G,DBT-01\n"
      "S4,Cut off with a rate,12345,200,0.9,false,LTE,DBT-03\n"
      "S5,Cheap,1,0,0.000001,true,LTE,DBT-02\n"
      "S6,Free,0,10,0.333333,false,LTE,DBT-02\n"
      "S7,Round,110000,500,0.01,true,5G,DBT-02\n";
  text.add_ons +=
      "A1,Add-on one,999\n"
      "A2,Add-on free,0\n"
      "A3,Add-on dear,123457\n"
      "A4,Add-on penny,1\n";
  text.welfare +=
      "W1,Almost all,0.999999,\n"
      "W2,Third capped,0.333333,1000\n"
      "W3,More than everything,1.5,\n"
      "W4,Nothing,0,0\n"
      "W5,Half capped,0.5,12100\n";
  text.contracts = "duration_months,rate\n0,0.5\n1,1\n12,0.25\n24,0.3\n36,0.333333\n";
  text.included = "plan_code,option_code\nS1,A1\nS3,A3\nS7,A1\nS7,A3\n";
  PropertyStats stats = check_against_oracle(text, 0xBADC0DE5EEDull, 3000);
  EXPECT_GT(stats.zero_total, 100);
  EXPECT_GT(stats.contract, 300);
  EXPECT_GT(stats.excess, 400);
}

}  // namespace
}  // namespace tr1l::domain
