#include "domain/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "common/embedded_resources.h"

namespace tr1l::domain {
namespace {

using ::testing::HasSubstr;

std::string_view embedded_file(const char* name) {
  auto content = embedded::find(std::string("catalog/") + name);
  EXPECT_TRUE(content.has_value()) << name;
  return content.value_or("");
}

CatalogFiles default_files() {
  return {embedded_file("plans.csv"), embedded_file("options.csv"), embedded_file("welfare.csv"),
          embedded_file("contract_discount.csv"), embedded_file("plan_included_options.csv")};
}

// A small valid catalogue; each test breaks one file.
struct Texts {
  std::string plans =
      "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
      "PLN-A,Plan A,10000,0,0,true,5G,DBT-01\n"
      "PLN-B,Plan B,20000,100,0.5,false,LTE,DBT-02\n";
  std::string add_ons =
      "option_code,name,monthly_price_krw\n"
      "OPT-A,Add-on A,1000\n"
      "OPT-B,Add-on B,0\n";
  std::string welfare =
      "welfare_code,name,rate,cap_krw\n"
      "WLF-A,Welfare A,0.35,\n"
      "WLF-B,Welfare B,0.5,5000\n";
  std::string contracts =
      "duration_months,rate\n"
      "12,0.25\n";
  std::string included =
      "plan_code,option_code\n"
      "PLN-A,OPT-A\n";

  CatalogFiles files() const { return {plans, add_ons, welfare, contracts, included}; }
};

// Parses and returns the error message, failing the test when parsing succeeds.
std::string parse_error(const Texts& texts) {
  try {
    Catalog::parse(texts.files());
  } catch (const CatalogError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a CatalogError";
  return "";
}

// ---------------------------------------------------------------------------------------------
// The default catalogue

TEST(DefaultCatalog, Counts) {
  Catalog catalog = Catalog::parse(default_files());
  EXPECT_EQ(catalog.plan_count(), 59u);
  EXPECT_EQ(catalog.add_on_count(), 16u);
  EXPECT_EQ(catalog.welfare_count(), 5u);
  EXPECT_EQ(catalog.plan_codes().size(), 59u);
  EXPECT_EQ(catalog.add_on_codes().size(), 16u);
  EXPECT_EQ(catalog.welfare_codes().size(), 5u);
}

TEST(DefaultCatalog, CodesInFileOrder) {
  Catalog catalog = Catalog::parse(default_files());
  for (int index = 0; index < 59; ++index) {
    char expected[16];
    std::snprintf(expected, sizeof expected, "PLN-%03d", index + 1);
    EXPECT_EQ(catalog.plan_codes()[index], expected);
  }
  for (int index = 0; index < 16; ++index) {
    char expected[16];
    std::snprintf(expected, sizeof expected, "OPT-%04d", index + 1);
    EXPECT_EQ(catalog.add_on_codes()[index], expected);
  }
  EXPECT_EQ(catalog.welfare_codes(), (std::vector<std::string>{"WLF-01", "WLF-02", "WLF-03", "WLF-04", "WLF-05"}));
}

TEST(DefaultCatalog, PlanFields) {
  Catalog catalog = Catalog::parse(default_files());
  const Plan* plan = catalog.find_plan("PLN-043");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->code, "PLN-043");
  EXPECT_EQ(plan->name, "(LTE) 데이터 33");
  EXPECT_EQ(plan->monthly_price, Won(33000));
  EXPECT_EQ(plan->included_data_mb, 1500);
  EXPECT_EQ(plan->excess_won_per_mb, *Rate::parse("0.275"));
  EXPECT_TRUE(plan->military_eligible);
  EXPECT_EQ(plan->network, "LTE");
  EXPECT_EQ(plan->data_billing_type, DataBillingType::Metered);

  EXPECT_EQ(catalog.find_plan("PLN-001")->data_billing_type, DataBillingType::Unlimited);
  EXPECT_EQ(catalog.find_plan("PLN-001")->monthly_price, Won(85000));
  EXPECT_EQ(catalog.find_plan("PLN-001")->network, "5G");
  EXPECT_FALSE(catalog.find_plan("PLN-004")->military_eligible);
  EXPECT_EQ(catalog.find_plan("PLN-044")->included_data_mb, 0);
  EXPECT_EQ(catalog.find_plan("PLN-044")->monthly_price, Won(11990));
  EXPECT_EQ(catalog.find_plan("PLN-045")->excess_won_per_mb.millionths(), 725'000);
  EXPECT_EQ(catalog.find_plan("PLN-058")->data_billing_type, DataBillingType::CutOff);
  EXPECT_EQ(catalog.find_plan("PLN-059")->data_billing_type, DataBillingType::CutOff);
  EXPECT_EQ(catalog.find_plan("PLN-059")->included_data_mb, 2000);
}

TEST(DefaultCatalog, BillingTypeCounts) {
  Catalog catalog = Catalog::parse(default_files());
  int unlimited = 0, metered = 0, cut_off = 0, eligible = 0;
  for (const std::string& code : catalog.plan_codes()) {
    const Plan* plan = catalog.find_plan(code);
    ASSERT_NE(plan, nullptr) << code;
    switch (plan->data_billing_type) {
      case DataBillingType::Unlimited: ++unlimited; break;
      case DataBillingType::Metered: ++metered; break;
      case DataBillingType::CutOff: ++cut_off; break;
    }
    if (plan->military_eligible) ++eligible;
  }
  EXPECT_EQ(metered, 7);  // PLN-042..048
  EXPECT_EQ(cut_off, 2);  // PLN-058, PLN-059
  EXPECT_EQ(unlimited, 50);
  EXPECT_EQ(eligible, 28);
}

TEST(DefaultCatalog, AddOnsAndWelfare) {
  Catalog catalog = Catalog::parse(default_files());
  ASSERT_NE(catalog.find_add_on("OPT-0003"), nullptr);
  EXPECT_EQ(catalog.find_add_on("OPT-0003")->name, "넷플릭스");
  EXPECT_EQ(catalog.find_add_on("OPT-0003")->monthly_price, Won(6500));
  EXPECT_EQ(catalog.find_add_on("OPT-0005")->name, "GS칼텍스 주유세차권&차량정비서비스");
  EXPECT_EQ(catalog.find_add_on("OPT-0015")->monthly_price, Won(0));
  EXPECT_EQ(catalog.find_add_on("OPT-0011")->monthly_price, Won(19900));

  const WelfareProgramme* general = catalog.find_welfare("WLF-01");
  ASSERT_NE(general, nullptr);
  EXPECT_TRUE(general->rate.is_zero());
  EXPECT_FALSE(general->cap.has_value());
  EXPECT_EQ(catalog.find_welfare("WLF-02")->rate.millionths(), 350'000);
  EXPECT_FALSE(catalog.find_welfare("WLF-02")->cap.has_value());
  EXPECT_EQ(catalog.find_welfare("WLF-03")->name, "국가 유공자 할인");
  EXPECT_EQ(catalog.find_welfare("WLF-03")->cap, Won(28600));
  EXPECT_EQ(catalog.find_welfare("WLF-04")->cap, Won(23650));
  EXPECT_EQ(catalog.find_welfare("WLF-05")->rate.millionths(), 500'000);
  EXPECT_EQ(catalog.find_welfare("WLF-05")->cap, Won(12100));
}

TEST(DefaultCatalog, ContractRatesForTwelveAndTwentyFourMonthsOnly) {
  Catalog catalog = Catalog::parse(default_files());
  EXPECT_EQ(catalog.contract_discount_rate(12), *Rate::parse("0.25"));
  EXPECT_EQ(catalog.contract_discount_rate(24), *Rate::parse("0.25"));
  for (int months = -1; months <= 60; ++months) {
    if (months == 12 || months == 24) continue;
    EXPECT_FALSE(catalog.contract_discount_rate(months).has_value()) << months;
  }
}

TEST(DefaultCatalog, IncludedAddOnsExactly) {
  Catalog catalog = Catalog::parse(default_files());
  const std::set<std::pair<std::string, std::string>> expected = {
      {"PLN-003", "OPT-0012"}, {"PLN-003", "OPT-0014"}, {"PLN-003", "OPT-0015"}, {"PLN-003", "OPT-0016"},
      {"PLN-013", "OPT-0003"}, {"PLN-013", "OPT-0013"}, {"PLN-013", "OPT-0002"}, {"PLN-013", "OPT-0006"},
      {"PLN-014", "OPT-0003"}, {"PLN-014", "OPT-0013"}, {"PLN-014", "OPT-0002"}, {"PLN-014", "OPT-0006"},
      {"PLN-027", "OPT-0003"}, {"PLN-027", "OPT-0013"}, {"PLN-027", "OPT-0002"}, {"PLN-027", "OPT-0006"},
  };
  for (const std::string& plan : catalog.plan_codes()) {
    for (const std::string& add_on : catalog.add_on_codes()) {
      EXPECT_EQ(catalog.plan_includes(plan, add_on), expected.contains({plan, add_on})) << plan << " " << add_on;
    }
  }
}

TEST(DefaultCatalog, UnknownCodesAreNotFound) {
  Catalog catalog = Catalog::parse(default_files());
  EXPECT_EQ(catalog.find_plan("PLN-060"), nullptr);
  EXPECT_EQ(catalog.find_plan(""), nullptr);
  EXPECT_EQ(catalog.find_plan("pln-001"), nullptr);
  EXPECT_EQ(catalog.find_add_on("OPT-0017"), nullptr);
  EXPECT_EQ(catalog.find_welfare("WLF-06"), nullptr);
  EXPECT_FALSE(catalog.plan_includes("PLN-999", "OPT-0003"));
  EXPECT_FALSE(catalog.plan_includes("PLN-013", "OPT-9999"));
}

TEST(DefaultCatalog, PriceTotals) {
  Catalog catalog = Catalog::parse(default_files());
  std::int64_t plan_sum = 0, add_on_sum = 0;
  for (const auto& code : catalog.plan_codes()) plan_sum += catalog.find_plan(code)->monthly_price.amount();
  for (const auto& code : catalog.add_on_codes()) add_on_sum += catalog.find_add_on(code)->monthly_price.amount();
  EXPECT_EQ(add_on_sum, 3135 + 9405 + 6500 + 6000 + 5900 + 4950 + 4000 + 3900 + 4500 + 3300 + 19900 + 11900 + 13900);
  EXPECT_EQ(plan_sum, 3253640);
}

// ---------------------------------------------------------------------------------------------
// Small custom catalogues

TEST(CatalogParse, SmallValidCatalogue) {
  Texts texts;
  Catalog catalog = Catalog::parse(texts.files());
  EXPECT_EQ(catalog.plan_count(), 2u);
  EXPECT_EQ(catalog.find_plan("PLN-B")->excess_won_per_mb.millionths(), 500'000);
  EXPECT_EQ(catalog.find_plan("PLN-B")->data_billing_type, DataBillingType::Metered);
  EXPECT_TRUE(catalog.plan_includes("PLN-A", "OPT-A"));
  EXPECT_FALSE(catalog.plan_includes("PLN-B", "OPT-A"));
  EXPECT_EQ(catalog.find_welfare("WLF-B")->cap, Won(5000));
  EXPECT_FALSE(catalog.find_welfare("WLF-A")->cap.has_value());
}

TEST(CatalogParse, AcceptsByteOrderMarkCrlfAndQuotedNames) {
  Texts texts;
  texts.plans =
      "\xEF\xBB\xBFplan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,"
      "data_billing_type\r\n"
      "PLN-A,\"Plan, with comma\",10000,0,0,true,5G,DBT-01\r\n"
      "\r\n"
      "PLN-C,\"\"\"Quoted\"\"\",5,0,0,false,5G,DBT-03\r\n";
  texts.included = "plan_code,option_code\r\n";
  Catalog catalog = Catalog::parse(texts.files());
  EXPECT_EQ(catalog.plan_count(), 2u);
  EXPECT_EQ(catalog.find_plan("PLN-A")->name, "Plan, with comma");
  EXPECT_EQ(catalog.find_plan("PLN-C")->name, "\"Quoted\"");
  EXPECT_EQ(catalog.find_plan("PLN-C")->data_billing_type, DataBillingType::CutOff);
}

TEST(CatalogParse, HeaderOnlyFilesMakeAnEmptyCatalogue) {
  Texts texts;
  texts.plans = "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n";
  texts.included = "plan_code,option_code\n";
  Catalog catalog = Catalog::parse(texts.files());
  EXPECT_EQ(catalog.plan_count(), 0u);
  EXPECT_EQ(catalog.add_on_count(), 2u);
}

TEST(CatalogErrors, EmptyFile) {
  Texts texts;
  texts.welfare = "";
  EXPECT_THAT(parse_error(texts), HasSubstr("welfare.csv"));
}

TEST(CatalogErrors, BadHeaderNamesFileAndLine) {
  Texts texts;
  texts.plans =
      "plan_code,name,price,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
      "PLN-A,Plan A,10000,0,0,true,5G,DBT-01\n";
  std::string message = parse_error(texts);
  EXPECT_THAT(message, HasSubstr("plans.csv"));
  EXPECT_THAT(message, HasSubstr("line 1"));
  EXPECT_THAT(message, HasSubstr("monthly_price_krw"));  // says what the header must be
}

TEST(CatalogErrors, HeaderWithMissingOrExtraColumns) {
  Texts missing;
  missing.add_ons = "option_code,name\nOPT-A,A\n";
  EXPECT_THAT(parse_error(missing), HasSubstr("options.csv line 1"));
  Texts extra;
  extra.contracts = "duration_months,rate,extra\n12,0.25,x\n";
  EXPECT_THAT(parse_error(extra), HasSubstr("contract_discount.csv line 1"));
  Texts reordered;
  reordered.included = "option_code,plan_code\nOPT-A,PLN-A\n";
  EXPECT_THAT(parse_error(reordered), HasSubstr("plan_included_options.csv line 1"));
}

TEST(CatalogErrors, WrongNumberOfFieldsNamesLine) {
  Texts texts;
  texts.add_ons = "option_code,name,monthly_price_krw\nOPT-A,Add-on A,1000\nOPT-B,Add-on B\n";
  std::string message = parse_error(texts);
  EXPECT_THAT(message, HasSubstr("options.csv"));
  EXPECT_THAT(message, HasSubstr("line 3"));
}

TEST(CatalogErrors, BadWholeNumbersNameFileLineAndField) {
  for (const char* bad : {"12a", "-1", "", "1.5", " 10", "1e3", "+5", "99999999999999999999"}) {
    Texts texts;
    texts.plans =
        "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
        "PLN-A,Plan A,10000,0,0,true,5G,DBT-01\n"
        "PLN-B,Plan B," + std::string(bad) + ",100,0.5,false,LTE,DBT-02\n";
    std::string message = parse_error(texts);
    EXPECT_THAT(message, HasSubstr("plans.csv")) << bad;
    EXPECT_THAT(message, HasSubstr("line 3")) << bad;
    EXPECT_THAT(message, HasSubstr("monthly_price_krw")) << bad;
  }
  Texts data;
  data.plans =
      "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
      "PLN-A,Plan A,10000,lots,0,true,5G,DBT-01\n";
  EXPECT_THAT(parse_error(data), HasSubstr("plans.csv line 2, field included_data_mb"));
  Texts add_on;
  add_on.add_ons = "option_code,name,monthly_price_krw\nOPT-A,Add-on A,1000\nOPT-B,Add-on B,free\n";
  EXPECT_THAT(parse_error(add_on), HasSubstr("options.csv line 3, field monthly_price_krw"));
  Texts cap;
  cap.welfare = "welfare_code,name,rate,cap_krw\nWLF-A,Welfare A,0.35,none\n";
  EXPECT_THAT(parse_error(cap), HasSubstr("welfare.csv line 2, field cap_krw"));
  Texts months;
  months.contracts = "duration_months,rate\n12,0.25\ntwo years,0.25\n";
  EXPECT_THAT(parse_error(months), HasSubstr("contract_discount.csv line 3, field duration_months"));
}

TEST(CatalogErrors, BadRatesNameFileLineAndField) {
  Texts plan;
  plan.plans =
      "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
      "PLN-A,Plan A,10000,0,-0.5,true,5G,DBT-01\n";
  EXPECT_THAT(parse_error(plan), HasSubstr("plans.csv line 2, field excess_krw_per_mb"));
  Texts welfare;
  welfare.welfare = "welfare_code,name,rate,cap_krw\nWLF-A,Welfare A,35%,\n";
  EXPECT_THAT(parse_error(welfare), HasSubstr("welfare.csv line 2, field rate"));
  Texts empty_rate;
  empty_rate.welfare = "welfare_code,name,rate,cap_krw\nWLF-A,Welfare A,,\n";
  EXPECT_THAT(parse_error(empty_rate), HasSubstr("welfare.csv line 2, field rate"));
  Texts contract;
  contract.contracts = "duration_months,rate\n12,0.2500001\n";
  EXPECT_THAT(parse_error(contract), HasSubstr("contract_discount.csv line 2, field rate"));
}

TEST(CatalogErrors, BadBooleans) {
  for (const char* bad : {"yes", "TRUE", "True", "1", "", "false "}) {
    Texts texts;
    texts.plans =
        "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
        "PLN-A,Plan A,10000,0,0," + std::string(bad) + ",5G,DBT-01\n";
    EXPECT_THAT(parse_error(texts), HasSubstr("plans.csv line 2, field military_eligible")) << bad;
  }
}

TEST(CatalogErrors, UnknownBillingType) {
  for (const char* bad : {"DBT-04", "dbt-01", "", "DBT-1"}) {
    Texts texts;
    texts.plans =
        "plan_code,name,monthly_price_krw,included_data_mb,excess_krw_per_mb,military_eligible,network,data_billing_type\n"
        "PLN-A,Plan A,10000,0,0,true,5G,DBT-01\n"
        "\n"
        "PLN-B,Plan B,20000,100,0.5,false,LTE," + std::string(bad) + "\n";
    EXPECT_THAT(parse_error(texts), HasSubstr("plans.csv line 4, field data_billing_type")) << bad;
  }
}

TEST(CatalogErrors, DuplicateCodes) {
  Texts plan;
  plan.plans += "PLN-A,Plan A again,1,0,0,true,5G,DBT-01\n";
  std::string message = parse_error(plan);
  EXPECT_THAT(message, HasSubstr("plans.csv line 4, field plan_code"));
  EXPECT_THAT(message, HasSubstr("PLN-A"));

  Texts add_on;
  add_on.add_ons += "OPT-B,Again,5\n";
  EXPECT_THAT(parse_error(add_on), HasSubstr("options.csv line 4, field option_code"));

  Texts welfare;
  welfare.welfare += "WLF-A,Again,0.1,\n";
  EXPECT_THAT(parse_error(welfare), HasSubstr("welfare.csv line 4, field welfare_code"));

  Texts contract;
  contract.contracts += "12,0.30\n";
  EXPECT_THAT(parse_error(contract), HasSubstr("contract_discount.csv line 3, field duration_months"));
}

TEST(CatalogErrors, EmptyCodes) {
  Texts plan;
  plan.plans += ",No code,1,0,0,true,5G,DBT-01\n";
  EXPECT_THAT(parse_error(plan), HasSubstr("plans.csv line 4, field plan_code"));
  Texts add_on;
  add_on.add_ons += ",No code,1\n";
  EXPECT_THAT(parse_error(add_on), HasSubstr("options.csv line 4, field option_code"));
  Texts welfare;
  welfare.welfare += ",No code,0.1,\n";
  EXPECT_THAT(parse_error(welfare), HasSubstr("welfare.csv line 4, field welfare_code"));
}

TEST(CatalogErrors, IncludedAddOnReferencingUnknownPlanOrAddOn) {
  Texts plan;
  plan.included += "PLN-Z,OPT-A\n";
  std::string message = parse_error(plan);
  EXPECT_THAT(message, HasSubstr("plan_included_options.csv line 3, field plan_code"));
  EXPECT_THAT(message, HasSubstr("PLN-Z"));

  Texts add_on;
  add_on.included += "PLN-B,OPT-Z\n";
  message = parse_error(add_on);
  EXPECT_THAT(message, HasSubstr("plan_included_options.csv line 3, field option_code"));
  EXPECT_THAT(message, HasSubstr("OPT-Z"));
}

TEST(CatalogErrors, UnterminatedQuoteNamesFileAndLine) {
  Texts texts;
  texts.add_ons = "option_code,name,monthly_price_krw\nOPT-A,Add-on A,1000\nOPT-B,\"Add-on B,0\n";
  std::string message = parse_error(texts);
  EXPECT_THAT(message, HasSubstr("options.csv"));
  EXPECT_THAT(message, HasSubstr("line 3"));
}

}  // namespace
}  // namespace tr1l::domain
