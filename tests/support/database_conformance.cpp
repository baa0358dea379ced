#include "support/database_conformance.h"

#include <algorithm>
#include <limits>
#include <set>
#include <thread>

#include "ports/dispatch_targets.h"

namespace tr1l::conformance {

// A binary that links this file without instantiating the suite (the unit tests, until a
// backend that needs no server instantiates it there) must not report that as a failure.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DatabaseConformance);

void DatabaseConformance::SetUp() {
  try {
    database_ = GetParam().open();
  } catch (const DatabaseUnavailable& unavailable) {
    GTEST_SKIP() << unavailable.what();
  }
  ASSERT_NE(database_, nullptr) << "the " << GetParam().name << " factory returned no database";
}

namespace {

using domain::Bill;
using domain::BillLine;
using domain::BillStatus;
using domain::Date;
using domain::LineKind;
using domain::Won;
using domain::YearMonth;
using ports::JobKind;
using ports::PartitionLease;
using ports::StoredCustomer;
using ports::UserId;

constexpr UserId kLowest = std::numeric_limits<UserId>::min();
constexpr UserId kHighest = std::numeric_limits<UserId>::max();
constexpr auto kLongLease = std::chrono::seconds(60);

Date date(const char* text) { return *Date::parse(text); }
YearMonth month(const char* text) { return *YearMonth::parse(text); }

const YearMonth kOctober = month("2026-10");
const YearMonth kSeptember = month("2026-09");

// Ciphertexts and indexes are arbitrary bytes: include every byte COPY-style encodings escape.
std::string bytes(std::string_view prefix, UserId user_id) {
  std::string value(prefix);
  value += std::to_string(user_id);
  value += std::string("\0\t\n\r\\\xff\x80N", 8);
  return value;
}

StoredCustomer customer(UserId user_id) {
  StoredCustomer stored;
  stored.user_id = user_id;
  stored.name = "고객" + std::to_string(user_id);
  stored.birth_date = date("1990-01-31");
  stored.email_ciphertext = bytes("email-ciphertext-", user_id);
  stored.email_index = bytes("email-index-", user_id);
  stored.phone_ciphertext = bytes("phone-ciphertext-", user_id);
  stored.phone_index = bytes("phone-index-", user_id);
  stored.plan_code = "PLN-001";
  return stored;
}

void load(ports::Database& database, const std::vector<StoredCustomer>& customers) {
  auto loader = database.customers().open_loader();
  for (const StoredCustomer& stored : customers) loader->add(stored);
  loader->flush();
}

std::vector<UserId> ids_of(const std::vector<ports::BillingRow>& rows) {
  std::vector<UserId> ids;
  for (const auto& row : rows) ids.push_back(row.account.user_id);
  return ids;
}

const ports::BillingRow& row_of(const std::vector<ports::BillingRow>& rows, UserId user_id) {
  for (const auto& row : rows) {
    if (row.account.user_id == user_id) return row;
  }
  throw std::runtime_error("no billing row for user " + std::to_string(user_id));
}

Bill issued_bill(UserId user_id, std::int64_t base) {
  Bill bill;
  bill.month = kOctober;
  bill.user_id = user_id;
  bill.status = BillStatus::Issued;
  bill.plan_code = "PLN-043";
  bill.plan_name = "5G 슬림 \"특가\"\t요금제";
  bill.plan_charge = Won(base + 1);
  bill.excess_data = Won(base + 2);
  bill.add_ons = Won(base + 3);
  bill.subtotal = Won(base + 4);
  bill.contract_discount = Won(base + 5);
  bill.military_discount = Won(base + 6);
  bill.welfare_discount = Won(base + 7);
  bill.total = Won(base + 8);
  bill.supply_value = Won(base + 9);
  bill.vat = Won(base + 10);
  bill.lines = {
      BillLine{LineKind::Plan, "PLN-043", "5G 슬림", Won(33000)},
      BillLine{LineKind::ExcessData, "", "데이터 초과 사용료", Won(632)},
      BillLine{LineKind::AddOn, "OPT-0003", "넷플릭스\\n \"HD\"", Won(6500)},
      BillLine{LineKind::ContractDiscount, "", "선택약정 할인", Won(8250)},
      BillLine{LineKind::MilitaryDiscount, "", "현역병사 할인", Won(4950)},
      BillLine{LineKind::WelfareDiscount, "WLF-03", "기초생활수급자\n(생계)", Won(7151)},
  };
  return bill;
}

Bill failed_bill(UserId user_id) {
  Bill bill;
  bill.month = kOctober;
  bill.user_id = user_id;
  bill.status = BillStatus::Failed;
  bill.plan_code = "PLN-999";
  bill.error_code = std::string(domain::bill_error::kUnknownPlan);
  bill.error_message = "plan code PLN-999 is not in the catalogue";
  return bill;
}

void expect_same_bill(const Bill& actual, const Bill& expected) {
  SCOPED_TRACE("user " + std::to_string(expected.user_id));
  EXPECT_EQ(actual.month, expected.month);
  EXPECT_EQ(actual.user_id, expected.user_id);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.plan_code, expected.plan_code);
  EXPECT_EQ(actual.plan_name, expected.plan_name);
  EXPECT_EQ(actual.plan_charge.amount(), expected.plan_charge.amount());
  EXPECT_EQ(actual.excess_data.amount(), expected.excess_data.amount());
  EXPECT_EQ(actual.add_ons.amount(), expected.add_ons.amount());
  EXPECT_EQ(actual.subtotal.amount(), expected.subtotal.amount());
  EXPECT_EQ(actual.contract_discount.amount(), expected.contract_discount.amount());
  EXPECT_EQ(actual.military_discount.amount(), expected.military_discount.amount());
  EXPECT_EQ(actual.welfare_discount.amount(), expected.welfare_discount.amount());
  EXPECT_EQ(actual.total.amount(), expected.total.amount());
  EXPECT_EQ(actual.supply_value.amount(), expected.supply_value.amount());
  EXPECT_EQ(actual.vat.amount(), expected.vat.amount());
  ASSERT_EQ(actual.lines.size(), expected.lines.size());
  for (std::size_t index = 0; index < expected.lines.size(); ++index) {
    EXPECT_EQ(actual.lines[index].kind, expected.lines[index].kind) << "line " << index;
    EXPECT_EQ(actual.lines[index].code, expected.lines[index].code) << "line " << index;
    EXPECT_EQ(actual.lines[index].name, expected.lines[index].name) << "line " << index;
    EXPECT_EQ(actual.lines[index].amount.amount(), expected.lines[index].amount.amount()) << "line " << index;
  }
  EXPECT_EQ(actual.error_code, expected.error_code);
  EXPECT_EQ(actual.error_message, expected.error_message);
}

std::vector<Bill> all_bills(ports::Database& database, const YearMonth& billing_month) {
  std::vector<Bill> bills;
  database.bills().for_each_bill(billing_month, [&bills](const Bill& bill) { bills.push_back(bill); });
  return bills;
}

PartitionLease lease_or_fail(ports::Database& database, const std::string& owner,
                             std::chrono::milliseconds duration = kLongLease) {
  auto lease = database.work().lease_partition(JobKind::Settlement, kOctober, owner, duration);
  if (!lease) throw std::runtime_error("expected a partition for " + owner);
  return *lease;
}

// ---------------------------------------------------------------------------------------------
// Dispatch targets

using ports::DispatchTarget;
using ports::InvoiceInput;
using ports::StoredObjectReference;

PartitionLease invoicing_lease_or_fail(ports::Database& database, const std::string& owner,
                                       std::chrono::milliseconds duration = kLongLease) {
  auto lease = database.work().lease_partition(JobKind::Invoicing, kOctober, owner, duration);
  if (!lease) throw std::runtime_error("expected an invoicing partition for " + owner);
  return *lease;
}

// Stores the bills through the settlement port, as the settlement job would.
void settle(ports::Database& database, const YearMonth& billing_month, std::vector<Bill> bills) {
  for (Bill& bill : bills) bill.month = billing_month;
  database.work().open_run(JobKind::Settlement, billing_month, {});
  auto lease = database.work().lease_partition(JobKind::Settlement, billing_month, "settler", kLongLease);
  if (!lease) throw std::runtime_error("expected a settlement partition");
  database.bills().commit_bills(*lease, bills, kHighest, kLongLease);
  database.work().complete_partition(*lease);
}

std::vector<UserId> ids_of(const std::vector<InvoiceInput>& inputs) {
  std::vector<UserId> ids;
  for (const auto& input : inputs) ids.push_back(input.bill.user_id);
  return ids;
}

// A target with every field set; object bytes and texts include what COPY-style encodings escape.
DispatchTarget full_target(UserId user_id, int revision = 1) {
  DispatchTarget target;
  target.month = kOctober;
  target.user_id = user_id;
  target.status = std::string(ports::target_status::kReady);
  target.invoice_revision = revision;
  target.email_ciphertext = bytes("target-email-", user_id);
  target.phone_ciphertext = bytes("target-phone-", user_id);
  target.email_object = StoredObjectReference{"invoices\\bucket", "2026-10/" + std::to_string(user_id) + "\t.html",
                                              123'456 + revision, std::string(64, 'a')};
  target.sms_object = StoredObjectReference{"", "2026-10/" + std::to_string(user_id) + ".txt", 140, std::string(64, 'b')};
  target.send_day = 31;
  target.quiet_from = 22;
  target.quiet_to = 0;
  return target;
}

DispatchTarget minimal_target(UserId user_id) {
  DispatchTarget target;
  target.month = kOctober;
  target.user_id = user_id;
  return target;
}

DispatchTarget failed_target(UserId user_id) {
  DispatchTarget target = minimal_target(user_id);
  target.status = std::string(ports::target_status::kFailed);
  target.error = "cannot decrypt email:\t\"bad tag\"\n(key 3)";
  return target;
}

void expect_same_object(const std::optional<StoredObjectReference>& actual,
                        const std::optional<StoredObjectReference>& expected, const char* which) {
  SCOPED_TRACE(which);
  ASSERT_EQ(actual.has_value(), expected.has_value());
  if (!expected) return;
  EXPECT_EQ(actual->bucket, expected->bucket);
  EXPECT_EQ(actual->key, expected->key);
  EXPECT_EQ(actual->size, expected->size);
  EXPECT_EQ(actual->sha256_hex, expected->sha256_hex);
}

void expect_same_target(const DispatchTarget& actual, const DispatchTarget& expected) {
  SCOPED_TRACE("target of user " + std::to_string(expected.user_id));
  EXPECT_EQ(actual.month, expected.month);
  EXPECT_EQ(actual.user_id, expected.user_id);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.invoice_revision, expected.invoice_revision);
  EXPECT_EQ(actual.email_ciphertext, expected.email_ciphertext);
  EXPECT_EQ(actual.phone_ciphertext, expected.phone_ciphertext);
  expect_same_object(actual.email_object, expected.email_object, "email object");
  expect_same_object(actual.sms_object, expected.sms_object, "sms object");
  EXPECT_EQ(actual.send_day, expected.send_day);
  EXPECT_EQ(actual.quiet_from, expected.quiet_from);
  EXPECT_EQ(actual.quiet_to, expected.quiet_to);
  EXPECT_EQ(actual.error, expected.error);
}

std::vector<DispatchTarget> all_targets(ports::Database& database, const YearMonth& target_month) {
  std::vector<DispatchTarget> targets;
  database.targets().for_each_target(target_month,
                                     [&targets](const DispatchTarget& target) { targets.push_back(target); });
  return targets;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Schema and customer loading

TEST_P(DatabaseConformance, MigratingAgainIsHarmless) {
  database().migrate();
  load(database(), {customer(1)});
  database().migrate();
  EXPECT_EQ(database().customers().count_customers(), 1);
}

TEST_P(DatabaseConformance, LoadedCustomersReadBackAsBillingRowsOfBillableCustomersOnly) {
  StoredCustomer full = customer(1);
  full.welfare_code = "WLF-03";
  full.send_day = 31;
  full.quiet_from = 22;
  full.quiet_to = 7;
  full.name = "탭\t줄바꿈\n복귀\r역슬래시\\ 널\\N";

  StoredCustomer minimal;
  minimal.user_id = 2;
  minimal.name = "";
  minimal.birth_date = date("2000-02-29");
  minimal.plan_code = "PLN-\\002\t";

  StoredCustomer withdrawn = customer(3);
  withdrawn.status = domain::CustomerStatus::Withdrawn;
  StoredCustomer banned = customer(4);
  banned.status = domain::CustomerStatus::Banned;
  StoredCustomer admin = customer(5);
  admin.role = domain::Role::Admin;
  StoredCustomer guest = customer(6);
  guest.role = domain::Role::Guest;
  StoredCustomer no_plan = customer(7);
  no_plan.plan_code.reset();
  StoredCustomer soldier = customer(8);
  StoredCustomer veteran = customer(9);

  // Customers arrive out of order and their related rows in a later flush.
  load(database(), {soldier, withdrawn, full, banned, admin, minimal, guest, no_plan, veteran});
  auto loader = database().customers().open_loader();
  loader->add(ports::ContractRow{8, {date("2025-03-01"), date("2027-03-01")}});
  loader->add(ports::ContractRow{8, {date("2024-01-15"), date("2025-01-14")}});
  loader->add(ports::ContractRow{3, {date("2025-01-01"), date("2026-12-31")}});
  loader->add(ports::AddOnRow{8, {"OPT-0003", date("2026-01-01"), date("2026-12-31")}});
  loader->add(ports::AddOnRow{8, {"OPT\t\\N\n\r", date("2026-10-01"), date("2026-10-31")}});
  loader->add(ports::AddOnRow{8, {"OPT-0015", date("2020-01-01"), date("2021-12-31")}});
  loader->add(ports::AddOnRow{5, {"OPT-0001", date("2026-01-01"), date("2026-12-31")}});
  loader->add(ports::MilitaryRow{8, {date("2025-01-10"), std::nullopt}});
  loader->add(ports::MilitaryRow{9, {date("2024-01-01"), date("2025-06-30")}});
  loader->add(ports::MilitaryRow{4, {date("2024-01-01"), std::nullopt}});
  loader->add(ports::UsageRow{8, kOctober, 3800});
  loader->add(ports::UsageRow{8, kSeptember, 100});
  loader->add(ports::UsageRow{9, kSeptember, 7});
  loader->add(ports::UsageRow{1, kOctober, 0});
  loader->add(ports::UsageRow{3, kOctober, 999});
  loader->flush();

  EXPECT_EQ(database().customers().count_customers(), 9);
  auto rows = database().bills().read_billing_rows(kOctober, kLowest, kHighest, 100);
  ASSERT_EQ(ids_of(rows), (std::vector<UserId>{1, 2, 8, 9}));

  const auto& first = row_of(rows, 1);
  EXPECT_EQ(first.account.plan_code, "PLN-001");
  EXPECT_EQ(first.account.welfare_code, std::optional<std::string>("WLF-03"));
  EXPECT_EQ(first.email_ciphertext, full.email_ciphertext);
  EXPECT_EQ(first.phone_ciphertext, full.phone_ciphertext);
  EXPECT_TRUE(first.account.contracts.empty());
  EXPECT_TRUE(first.account.add_ons.empty());
  EXPECT_FALSE(first.account.military.has_value());
  EXPECT_EQ(first.account.used_mb, 0);

  const auto& second = row_of(rows, 2);
  EXPECT_EQ(second.account.plan_code, "PLN-\\002\t");
  EXPECT_FALSE(second.account.welfare_code.has_value());
  EXPECT_FALSE(second.email_ciphertext.has_value());
  EXPECT_FALSE(second.phone_ciphertext.has_value());

  const auto& eighth = row_of(rows, 8);
  ASSERT_EQ(eighth.account.contracts.size(), 2u);
  std::set<std::pair<std::string, std::string>> contracts;
  for (const auto& term : eighth.account.contracts) contracts.insert({term.start.to_string(), term.end.to_string()});
  EXPECT_EQ(contracts, (std::set<std::pair<std::string, std::string>>{{"2024-01-15", "2025-01-14"},
                                                                       {"2025-03-01", "2027-03-01"}}));
  ASSERT_EQ(eighth.account.add_ons.size(), 3u);
  std::set<std::string> add_ons;
  for (const auto& add_on : eighth.account.add_ons) {
    add_ons.insert(add_on.add_on_code + "|" + add_on.start.to_string() + "|" + add_on.end.to_string());
  }
  EXPECT_EQ(add_ons, (std::set<std::string>{"OPT-0003|2026-01-01|2026-12-31", "OPT\t\\N\n\r|2026-10-01|2026-10-31",
                                            "OPT-0015|2020-01-01|2021-12-31"}));
  ASSERT_TRUE(eighth.account.military.has_value());
  EXPECT_EQ(eighth.account.military->start, date("2025-01-10"));
  EXPECT_FALSE(eighth.account.military->end.has_value());
  EXPECT_EQ(eighth.account.used_mb, 3800);

  const auto& ninth = row_of(rows, 9);
  ASSERT_TRUE(ninth.account.military.has_value());
  EXPECT_EQ(ninth.account.military->end, std::optional<Date>(date("2025-06-30")));
  EXPECT_EQ(ninth.account.used_mb, 0);  // usage only for another month

  auto september = database().bills().read_billing_rows(kSeptember, kLowest, kHighest, 100);
  EXPECT_EQ(row_of(september, 8).account.used_mb, 100);
  EXPECT_EQ(row_of(september, 9).account.used_mb, 7);
}

TEST_P(DatabaseConformance, BillingRowsHonourPageLimitAndExclusiveInclusiveBounds) {
  std::vector<StoredCustomer> customers;
  for (UserId id = 10; id <= 100; id += 10) customers.push_back(customer(id));
  StoredCustomer between = customer(35);
  between.status = domain::CustomerStatus::Withdrawn;
  customers.push_back(between);
  load(database(), customers);
  auto loader = database().customers().open_loader();
  for (UserId id = 10; id <= 100; id += 10) {
    loader->add(ports::ContractRow{id, {Date{2020, 1, static_cast<int>(id / 10)}, date("2030-01-01")}});
    loader->add(ports::UsageRow{id, kOctober, id * 3});
  }
  loader->add(ports::ContractRow{35, {date("2021-05-05"), date("2030-01-01")}});
  loader->add(ports::UsageRow{35, kOctober, 35000});
  loader->flush();

  auto& bills = database().bills();
  auto first_page = bills.read_billing_rows(kOctober, kLowest, kHighest, 3);
  EXPECT_EQ(ids_of(first_page), (std::vector<UserId>{10, 20, 30}));
  auto second_page = bills.read_billing_rows(kOctober, 30, kHighest, 3);
  EXPECT_EQ(ids_of(second_page), (std::vector<UserId>{40, 50, 60}));
  auto bounded = bills.read_billing_rows(kOctober, 25, 55, 100);
  EXPECT_EQ(ids_of(bounded), (std::vector<UserId>{30, 40, 50}));
  EXPECT_EQ(ids_of(bills.read_billing_rows(kOctober, 40, 50, 100)), (std::vector<UserId>{50}));
  EXPECT_TRUE(bills.read_billing_rows(kOctober, 100, kHighest, 100).empty());
  EXPECT_TRUE(bills.read_billing_rows(kOctober, kLowest, kHighest, 0).empty());

  // Every row carries exactly its own related rows, never a neighbour's.
  for (const auto* page : {&first_page, &second_page, &bounded}) {
    for (const auto& row : *page) {
      SCOPED_TRACE("user " + std::to_string(row.account.user_id));
      ASSERT_EQ(row.account.contracts.size(), 1u);
      EXPECT_EQ(row.account.contracts[0].start.day, row.account.user_id / 10);
      EXPECT_EQ(row.account.used_mb, row.account.user_id * 3);
    }
  }
}

TEST_P(DatabaseConformance, AllUserIdsAreAscendingAcrossFlushes) {
  load(database(), {customer(5), customer(3), customer(9)});
  load(database(), {customer(1), customer(7)});
  EXPECT_EQ(database().customers().all_user_ids(), (std::vector<UserId>{1, 3, 5, 7, 9}));
  EXPECT_EQ(database().customers().count_customers(), 5);
}

TEST_P(DatabaseConformance, AbandonedLoaderStoresNothing) {
  {
    auto loader = database().customers().open_loader();
    loader->add(customer(1));
    loader->add(ports::UsageRow{1, kOctober, 10});
  }
  EXPECT_EQ(database().customers().count_customers(), 0);
  EXPECT_TRUE(database().customers().usage_keys().empty());
  database().customers().open_loader()->flush();  // an empty flush is fine
  EXPECT_EQ(database().customers().count_customers(), 0);
}

TEST_P(DatabaseConformance, FailedFlushStoresNothingOfItsBatch) {
  load(database(), {customer(1)});
  auto loader = database().customers().open_loader();
  loader->add(customer(2));
  loader->add(customer(1));  // duplicate id
  EXPECT_THROW(loader->flush(), ports::DatabaseError);
  EXPECT_EQ(database().customers().all_user_ids(), (std::vector<UserId>{1}));
}

TEST_P(DatabaseConformance, FindsUsersByContactIndex) {
  StoredCustomer first = customer(1);
  StoredCustomer second = customer(2);
  second.email_index = first.email_index;  // the same e-mail address
  StoredCustomer third = customer(3);
  third.email_ciphertext.reset();
  third.email_index.reset();
  load(database(), {third, second, first});

  auto& customers = database().customers();
  EXPECT_EQ(customers.find_by_contact_index("email", *first.email_index), (std::vector<UserId>{1, 2}));
  EXPECT_EQ(customers.find_by_contact_index("phone", *second.phone_index), (std::vector<UserId>{2}));
  EXPECT_EQ(customers.find_by_contact_index("phone", *third.phone_index), (std::vector<UserId>{3}));
  EXPECT_TRUE(customers.find_by_contact_index("email", "no such index").empty());
  EXPECT_TRUE(customers.find_by_contact_index("phone", *first.email_index).empty());
  EXPECT_ANY_THROW(customers.find_by_contact_index("name", "x"));
}

TEST_P(DatabaseConformance, ContactPagesAndContactUpdates) {
  load(database(), {customer(1), customer(2), customer(3), customer(4), customer(5)});
  auto& customers = database().customers();

  auto first_page = customers.contact_page(kLowest, 2);
  ASSERT_EQ(first_page.size(), 2u);
  EXPECT_EQ(first_page[0].user_id, 1);
  EXPECT_EQ(first_page[1].user_id, 2);
  EXPECT_EQ(first_page[1].email_ciphertext, customer(2).email_ciphertext);
  EXPECT_EQ(first_page[1].phone_ciphertext, customer(2).phone_ciphertext);
  auto rest = customers.contact_page(2, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].user_id, 3);
  EXPECT_EQ(rest[2].user_id, 5);
  EXPECT_TRUE(customers.contact_page(5, 10).empty());

  const std::string rotated_email("rotated\0\\\t\n-email", 17);
  const std::string rotated_phone("rotated\xff-phone", 14);
  std::vector<ports::ContactCiphertexts> updates = {{2, rotated_email, std::nullopt},
                                                    {4, std::nullopt, rotated_phone}};
  customers.update_contacts(updates);

  auto after = customers.contact_page(kLowest, 10);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after[1].email_ciphertext, std::optional<std::string>(rotated_email));
  EXPECT_FALSE(after[1].phone_ciphertext.has_value());
  EXPECT_FALSE(after[3].email_ciphertext.has_value());
  EXPECT_EQ(after[3].phone_ciphertext, std::optional<std::string>(rotated_phone));
  EXPECT_EQ(after[2].email_ciphertext, customer(3).email_ciphertext);  // untouched
  // Blind indexes stay as they were.
  EXPECT_EQ(customers.find_by_contact_index("email", *customer(2).email_index), (std::vector<UserId>{2}));
  // The billing rows see the new ciphertexts.
  auto rows = database().bills().read_billing_rows(kOctober, 1, 2, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].email_ciphertext, std::optional<std::string>(rotated_email));
}

TEST_P(DatabaseConformance, UsageKeysAndMilitaryIdsReflectStoredRows) {
  load(database(), {customer(1), customer(2), customer(3)});
  auto loader = database().customers().open_loader();
  loader->add(ports::UsageRow{2, kOctober, 1});
  loader->add(ports::UsageRow{1, kOctober, 2});
  loader->add(ports::UsageRow{2, kSeptember, 3});
  loader->add(ports::MilitaryRow{3, {date("2025-01-01"), std::nullopt}});
  loader->add(ports::MilitaryRow{1, {date("2024-01-01"), date("2025-07-01")}});
  loader->flush();

  auto keys = database().customers().usage_keys();
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::pair<UserId, std::string>>{{1, "2026-10"}, {2, "2026-09"}, {2, "2026-10"}}));
  auto military = database().customers().user_ids_with_military();
  std::sort(military.begin(), military.end());
  EXPECT_EQ(military, (std::vector<UserId>{1, 3}));
}

// ---------------------------------------------------------------------------------------------
// Partitions and leases

TEST_P(DatabaseConformance, PartitionBoundsSplitBillableCustomersEvenly) {
  auto& bills = database().bills();
  EXPECT_TRUE(bills.billable_partition_bounds(4).empty());

  std::vector<StoredCustomer> customers;
  for (UserId id = 2; id <= 20; id += 2) customers.push_back(customer(id));
  for (UserId id : {3, 21, 22}) {
    StoredCustomer withdrawn = customer(id);
    withdrawn.status = domain::CustomerStatus::Withdrawn;
    customers.push_back(withdrawn);
  }
  load(database(), customers);

  for (int wanted : {1, 3, 4, 100}) {
    SCOPED_TRACE("partitions " + std::to_string(wanted));
    auto bounds = bills.billable_partition_bounds(wanted);
    ASSERT_FALSE(bounds.empty());
    EXPECT_LE(bounds.size(), static_cast<std::size_t>(std::min(wanted, 10)));
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
    EXPECT_EQ(std::set<UserId>(bounds.begin(), bounds.end()).size(), bounds.size());
    // Partition i covers (bound[i-1], bound[i]] with the outer ends open: together they hold
    // every billable customer once, in parts that differ by at most one page of rounding.
    std::size_t covered = 0;
    std::size_t smallest = std::numeric_limits<std::size_t>::max();
    std::size_t largest = 0;
    for (std::size_t index = 0; index < bounds.size(); ++index) {
      UserId low = index == 0 ? kLowest : bounds[index - 1];
      UserId high = index + 1 == bounds.size() ? kHighest : bounds[index];
      std::size_t size = bills.read_billing_rows(kOctober, low, high, 1000).size();
      covered += size;
      smallest = std::min(smallest, size);
      largest = std::max(largest, size);
    }
    EXPECT_EQ(covered, 10u);
    EXPECT_GE(smallest, 1u);
    EXPECT_LE(largest, (10u + bounds.size() - 1) / bounds.size() + 1);
    if (wanted >= 3 && wanted <= 10) {
      EXPECT_GE(bounds.size(), static_cast<std::size_t>(wanted) - 1);
    }
  }
}

TEST_P(DatabaseConformance, OpeningARunTwiceKeepsTheFirstPartitions) {
  auto& work = database().work();
  EXPECT_FALSE(work.run_state(JobKind::Settlement, kOctober).has_value());

  ports::RunState opened = work.open_run(JobKind::Settlement, kOctober, {100, 200, 300});
  EXPECT_EQ(opened.status, ports::RunStatus::Running);
  EXPECT_EQ(opened.partitions, 3);
  EXPECT_EQ(opened.partitions_done, 0);

  ports::RunState reopened = work.open_run(JobKind::Settlement, kOctober, {50});
  EXPECT_EQ(reopened.partitions, 3);
  auto state = work.run_state(JobKind::Settlement, kOctober);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->partitions, 3);

  // Other jobs and months are separate runs.
  EXPECT_EQ(work.open_run(JobKind::Invoicing, kOctober, {}).partitions, 1);
  EXPECT_EQ(work.open_run(JobKind::Settlement, kSeptember, {10, 20}).partitions, 2);
  EXPECT_EQ(work.run_state(JobKind::Settlement, kOctober)->partitions, 3);
}

TEST_P(DatabaseConformance, PartitionsCoverTheWholeIdRange) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {100, 200, 300});
  std::vector<PartitionLease> leases;
  while (auto lease = work.lease_partition(JobKind::Settlement, kOctober, "worker", kLongLease)) leases.push_back(*lease);
  ASSERT_EQ(leases.size(), 3u);
  std::sort(leases.begin(), leases.end(), [](const auto& a, const auto& b) { return a.partition < b.partition; });
  EXPECT_EQ(leases[0].low_exclusive, kLowest);
  EXPECT_EQ(leases[0].high_inclusive, 100);
  EXPECT_EQ(leases[1].low_exclusive, 100);
  EXPECT_EQ(leases[1].high_inclusive, 200);
  EXPECT_EQ(leases[2].low_exclusive, 200);
  EXPECT_EQ(leases[2].high_inclusive, kHighest);  // whatever the last bound was
  for (const auto& lease : leases) {
    EXPECT_EQ(lease.checkpoint, lease.low_exclusive);
    EXPECT_EQ(lease.owner, "worker");
    EXPECT_EQ(lease.job, JobKind::Settlement);
    EXPECT_EQ(lease.month, kOctober);
  }

  // No bounds at all (no customers yet): one partition holds every id.
  work.open_run(JobKind::Invoicing, kOctober, {});
  auto whole = work.lease_partition(JobKind::Invoicing, kOctober, "worker", kLongLease);
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->low_exclusive, kLowest);
  EXPECT_EQ(whole->high_inclusive, kHighest);
  EXPECT_FALSE(work.lease_partition(JobKind::Invoicing, kOctober, "other", kLongLease).has_value());
}

TEST_P(DatabaseConformance, LiveLeasesAreExclusive) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {100, 200});
  auto first = work.lease_partition(JobKind::Settlement, kOctober, "worker-a", kLongLease);
  auto second = work.lease_partition(JobKind::Settlement, kOctober, "worker-b", kLongLease);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(first->partition, second->partition);
  EXPECT_FALSE(work.lease_partition(JobKind::Settlement, kOctober, "worker-c", kLongLease).has_value());
  EXPECT_FALSE(work.lease_partition(JobKind::Settlement, kSeptember, "worker-c", kLongLease).has_value());
}

TEST_P(DatabaseConformance, ExpiredLeaseIsTakenOverAndTheOldOwnerIsFenced) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {});
  PartitionLease stale = lease_or_fail(database(), "worker-a", std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  PartitionLease fresh = lease_or_fail(database(), "worker-b");
  EXPECT_EQ(fresh.partition, stale.partition);
  EXPECT_EQ(fresh.checkpoint, stale.low_exclusive);

  std::vector<Bill> bills = {issued_bill(7, 100)};
  EXPECT_THROW(database().bills().commit_bills(stale, bills, 7, kLongLease), ports::LeaseLost);
  EXPECT_EQ(database().bills().count_bills(kOctober).issued, 0);
  EXPECT_TRUE(all_bills(database(), kOctober).empty());
  EXPECT_THROW(work.complete_partition(stale), ports::LeaseLost);

  database().bills().commit_bills(fresh, bills, 7, kLongLease);
  EXPECT_EQ(database().bills().count_bills(kOctober).issued, 1);
}

TEST_P(DatabaseConformance, CommitsMoveTheCheckpoint) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {});
  PartitionLease lease = lease_or_fail(database(), "worker-a");
  std::vector<Bill> first = {issued_bill(5, 0)};
  std::vector<Bill> second = {issued_bill(9, 0)};
  database().bills().commit_bills(lease, first, 5, kLongLease);
  database().bills().commit_bills(lease, second, 9, kLongLease);
  database().bills().commit_bills(lease, {}, 12, kLongLease);  // an empty chunk still moves on

  ASSERT_TRUE(work.expire_lease(lease));
  PartitionLease resumed = lease_or_fail(database(), "worker-b");
  EXPECT_EQ(resumed.partition, lease.partition);
  EXPECT_EQ(resumed.checkpoint, 12);
  EXPECT_EQ(database().bills().count_bills(kOctober).issued, 2);
}

TEST_P(DatabaseConformance, CompletingTheLastPartitionCompletesTheRun) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {100, 200});
  PartitionLease first = lease_or_fail(database(), "worker-a");
  PartitionLease second = lease_or_fail(database(), "worker-b");

  PartitionLease intruder = first;
  intruder.owner = "intruder";
  EXPECT_THROW(work.complete_partition(intruder), ports::LeaseLost);

  ports::RunState halfway = work.complete_partition(first);
  EXPECT_EQ(halfway.status, ports::RunStatus::Running);
  EXPECT_EQ(halfway.partitions, 2);
  EXPECT_EQ(halfway.partitions_done, 1);

  ports::RunState done = work.complete_partition(second);
  EXPECT_EQ(done.status, ports::RunStatus::Completed);
  EXPECT_EQ(done.partitions_done, 2);
  auto state = work.run_state(JobKind::Settlement, kOctober);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->status, ports::RunStatus::Completed);
  EXPECT_FALSE(work.lease_partition(JobKind::Settlement, kOctober, "worker-c", kLongLease).has_value());
  EXPECT_TRUE(work.held_leases(JobKind::Settlement, kOctober).empty());
}

TEST_P(DatabaseConformance, HeldLeasesCanBeExpiredByTheirOwnerOnly) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {100, 200});
  PartitionLease first = lease_or_fail(database(), "worker-a");
  PartitionLease second = lease_or_fail(database(), "worker-b");

  auto held = work.held_leases(JobKind::Settlement, kOctober);
  ASSERT_EQ(held.size(), 2u);
  std::sort(held.begin(), held.end(), [](const auto& a, const auto& b) { return a.partition < b.partition; });
  EXPECT_EQ(held[0].partition, first.partition);
  EXPECT_EQ(held[0].owner, "worker-a");
  EXPECT_EQ(held[0].low_exclusive, first.low_exclusive);
  EXPECT_EQ(held[0].high_inclusive, first.high_inclusive);
  EXPECT_EQ(held[1].owner, "worker-b");

  PartitionLease impostor = second;
  impostor.owner = "worker-a";
  EXPECT_FALSE(work.expire_lease(impostor));
  EXPECT_TRUE(work.expire_lease(first));
  EXPECT_FALSE(work.expire_lease(first));

  held = work.held_leases(JobKind::Settlement, kOctober);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].owner, "worker-b");

  PartitionLease taken = lease_or_fail(database(), "worker-c");
  EXPECT_EQ(taken.partition, first.partition);
  std::vector<Bill> bills = {issued_bill(50, 0)};
  EXPECT_THROW(database().bills().commit_bills(first, bills, 50, kLongLease), ports::LeaseLost);
  EXPECT_EQ(database().bills().count_bills(kOctober).issued, 0);
}

// ---------------------------------------------------------------------------------------------
// Bills

TEST_P(DatabaseConformance, CommittedBillsReadBackEqualInUserOrder) {
  auto& work = database().work();
  work.open_run(JobKind::Settlement, kOctober, {100, 200});
  PartitionLease low = lease_or_fail(database(), "worker");
  PartitionLease high = lease_or_fail(database(), "worker");
  if (low.partition > high.partition) std::swap(low, high);

  Bill minimal = issued_bill(10, 0);
  minimal.lines = {BillLine{LineKind::Plan, "PLN-001", "LTE 베이직", Won(1)}};
  std::vector<Bill> upper = {issued_bill(150, 1000), issued_bill(200, 2000)};
  std::vector<Bill> lower = {minimal, failed_bill(20), issued_bill(30, 3000)};
  database().bills().commit_bills(high, upper, 200, kLongLease);  // the later ids first
  database().bills().commit_bills(low, lower, 30, kLongLease);

  auto stored = all_bills(database(), kOctober);
  ASSERT_EQ(stored.size(), 5u);
  expect_same_bill(stored[0], lower[0]);
  expect_same_bill(stored[1], lower[1]);
  expect_same_bill(stored[2], lower[2]);
  expect_same_bill(stored[3], upper[0]);
  expect_same_bill(stored[4], upper[1]);

  auto counts = database().bills().count_bills(kOctober);
  EXPECT_EQ(counts.issued, 4);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_TRUE(all_bills(database(), kSeptember).empty());
  EXPECT_EQ(database().bills().count_bills(kSeptember).issued, 0);
  EXPECT_EQ(database().bills().count_bills(kSeptember).failed, 0);
}

TEST_P(DatabaseConformance, ForEachBillWalksAMonthLargerThanAnyPage) {
  database().work().open_run(JobKind::Settlement, kOctober, {});
  PartitionLease lease = lease_or_fail(database(), "worker");
  constexpr UserId kBills = 12'345;
  std::vector<Bill> chunk;
  for (UserId id = 1; id <= kBills; ++id) {
    chunk.push_back(id % 97 == 0 ? failed_bill(id) : issued_bill(id, id));
    if (chunk.size() == 4000 || id == kBills) {
      database().bills().commit_bills(lease, chunk, id, kLongLease);
      chunk.clear();
    }
  }
  UserId expected = 0;
  database().bills().for_each_bill(kOctober, [&expected](const Bill& bill) {
    ++expected;
    ASSERT_EQ(bill.user_id, expected);
    ASSERT_EQ(bill.status, expected % 97 == 0 ? BillStatus::Failed : BillStatus::Issued);
    if (bill.status == BillStatus::Issued) {
      ASSERT_EQ(bill.total.amount(), expected + 8);
    }
  });
  EXPECT_EQ(expected, kBills);
  auto counts = database().bills().count_bills(kOctober);
  EXPECT_EQ(counts.issued + counts.failed, kBills);
  EXPECT_EQ(counts.failed, kBills / 97);
}

TEST_P(DatabaseConformance, FailedCommitStoresNothingAndKeepsTheCheckpoint) {
  database().work().open_run(JobKind::Settlement, kOctober, {});
  PartitionLease lease = lease_or_fail(database(), "worker-a");
  std::vector<Bill> first = {issued_bill(5, 0)};
  database().bills().commit_bills(lease, first, 5, kLongLease);
  std::vector<Bill> clashing = {issued_bill(6, 0), issued_bill(5, 0)};  // 5 is already billed
  EXPECT_THROW(database().bills().commit_bills(lease, clashing, 6, kLongLease), ports::DatabaseError);

  EXPECT_EQ(database().bills().count_bills(kOctober).issued, 1);
  ASSERT_TRUE(database().work().expire_lease(lease));
  EXPECT_EQ(lease_or_fail(database(), "worker-b").checkpoint, 5);
}

// ---------------------------------------------------------------------------------------------
// Dispatch targets

TEST_P(DatabaseConformance, IssuedPartitionBoundsCoverOnlyTheMonthsIssuedBills) {
  auto& targets = database().targets();
  EXPECT_TRUE(targets.issued_partition_bounds(kOctober, 4).empty());

  std::vector<StoredCustomer> customers;
  for (UserId id = 1; id <= 30; ++id) customers.push_back(customer(id));
  load(database(), customers);
  std::vector<Bill> october;
  for (UserId id = 2; id <= 20; id += 2) october.push_back(issued_bill(id, id));
  for (UserId id : {1, 3, 21, 22, 23}) october.push_back(failed_bill(id));  // failed ones on both sides
  std::sort(october.begin(), october.end(), [](const Bill& a, const Bill& b) { return a.user_id < b.user_id; });
  settle(database(), kOctober, october);
  settle(database(), kSeptember, {issued_bill(25, 0), issued_bill(26, 0), issued_bill(1, 0)});

  EXPECT_EQ(targets.issued_partition_bounds(kOctober, 1), (std::vector<UserId>{20}));
  EXPECT_EQ(targets.issued_partition_bounds(kSeptember, 1), (std::vector<UserId>{26}));
  EXPECT_TRUE(targets.issued_partition_bounds(month("2026-08"), 3).empty());

  const std::set<UserId> issued = {2, 4, 6, 8, 10, 12, 14, 16, 18, 20};
  for (int wanted : {2, 3, 4, 100}) {
    SCOPED_TRACE("partitions " + std::to_string(wanted));
    auto bounds = targets.issued_partition_bounds(kOctober, wanted);
    ASSERT_FALSE(bounds.empty());
    EXPECT_LE(bounds.size(), static_cast<std::size_t>(std::min(wanted, 10)));
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
    EXPECT_EQ(std::set<UserId>(bounds.begin(), bounds.end()).size(), bounds.size());
    for (UserId bound : bounds) EXPECT_TRUE(issued.contains(bound)) << "bound " << bound << " is no issued bill";
    EXPECT_EQ(bounds.back(), 20);
    std::size_t covered = 0;
    std::size_t largest = 0;
    for (std::size_t index = 0; index < bounds.size(); ++index) {
      UserId low = index == 0 ? kLowest : bounds[index - 1];
      UserId high = index + 1 == bounds.size() ? kHighest : bounds[index];
      std::size_t size = targets.read_invoice_inputs(kOctober, low, high, 1000).size();
      EXPECT_GE(size, 1u);
      covered += size;
      largest = std::max(largest, size);
    }
    EXPECT_EQ(covered, 10u);
    EXPECT_LE(largest, (10u + bounds.size() - 1) / bounds.size() + 1);
  }
}

TEST_P(DatabaseConformance, InvoiceInputsCarryTheIssuedBillItsCustomerAndTheExistingTarget) {
  StoredCustomer full = customer(1);
  full.name = "탭\t줄바꿈\n역슬래시\\ 널\\N";
  full.send_day = 25;
  full.quiet_from = 21;
  full.quiet_to = 8;
  StoredCustomer bare;
  bare.user_id = 2;
  bare.name = "";
  bare.birth_date = date("2000-02-29");
  bare.plan_code = "PLN-001";
  StoredCustomer rejected = customer(3);
  load(database(), {full, bare, rejected});

  Bill first = issued_bill(1, 1000);
  Bill second = issued_bill(2, 2000);
  second.lines = {BillLine{LineKind::Plan, "PLN-001", "LTE 베이직", Won(1)}};
  settle(database(), kOctober, {first, second, failed_bill(3)});

  auto inputs = database().targets().read_invoice_inputs(kOctober, kLowest, kHighest, 100);
  ASSERT_EQ(ids_of(inputs), (std::vector<UserId>{1, 2}));  // the FAILED bill is not invoiced
  expect_same_bill(inputs[0].bill, first);
  expect_same_bill(inputs[1].bill, second);

  EXPECT_EQ(inputs[0].name, full.name);
  EXPECT_EQ(inputs[0].email_ciphertext, full.email_ciphertext);
  EXPECT_EQ(inputs[0].phone_ciphertext, full.phone_ciphertext);
  EXPECT_EQ(inputs[0].send_day, std::optional<int>(25));
  EXPECT_EQ(inputs[0].quiet_from, std::optional<int>(21));
  EXPECT_EQ(inputs[0].quiet_to, std::optional<int>(8));
  EXPECT_EQ(inputs[1].name, "");
  EXPECT_FALSE(inputs[1].email_ciphertext.has_value());
  EXPECT_FALSE(inputs[1].phone_ciphertext.has_value());
  EXPECT_FALSE(inputs[1].send_day.has_value());
  EXPECT_FALSE(inputs[1].quiet_from.has_value());
  EXPECT_FALSE(inputs[1].quiet_to.has_value());
  for (const InvoiceInput& input : inputs) {
    SCOPED_TRACE("user " + std::to_string(input.bill.user_id));
    EXPECT_FALSE(input.target_status.has_value());
    EXPECT_EQ(input.target_revision, 0);
  }

  DispatchTarget stored = full_target(1, 3);
  stored.status = std::string(ports::target_status::kFailed);
  stored.error = "no deliverable contact";
  std::vector<DispatchTarget> written = {stored};
  EXPECT_EQ(database().targets().store_targets(written), 1);
  DispatchTarget other_month = full_target(2, 7);
  other_month.month = kSeptember;
  std::vector<DispatchTarget> september = {other_month};
  database().targets().store_targets(september);

  inputs = database().targets().read_invoice_inputs(kOctober, kLowest, kHighest, 100);
  ASSERT_EQ(ids_of(inputs), (std::vector<UserId>{1, 2}));
  EXPECT_EQ(inputs[0].target_status, std::optional<std::string>("FAILED"));
  EXPECT_EQ(inputs[0].target_revision, 3);
  EXPECT_FALSE(inputs[1].target_status.has_value());  // its target is another month's
  EXPECT_EQ(inputs[1].target_revision, 0);

  EXPECT_TRUE(database().targets().read_invoice_inputs(kSeptember, kLowest, kHighest, 100).empty());
}

TEST_P(DatabaseConformance, InvoiceInputPagesHonourExclusiveInclusiveBoundsAndLimit) {
  std::vector<StoredCustomer> customers;
  std::vector<Bill> bills;
  for (UserId id = 1; id <= 10; ++id) {
    customers.push_back(customer(id));
    bills.push_back(id == 5 ? failed_bill(id) : issued_bill(id, id));
  }
  load(database(), customers);
  settle(database(), kOctober, bills);
  auto& targets = database().targets();

  EXPECT_EQ(ids_of(targets.read_invoice_inputs(kOctober, 2, 8, 3)), (std::vector<UserId>{3, 4, 6}));
  EXPECT_EQ(ids_of(targets.read_invoice_inputs(kOctober, 6, 8, 10)), (std::vector<UserId>{7, 8}));
  EXPECT_EQ(ids_of(targets.read_invoice_inputs(kOctober, 4, 5, 10)), (std::vector<UserId>{}));
  EXPECT_TRUE(targets.read_invoice_inputs(kOctober, 8, 8, 10).empty());
  EXPECT_TRUE(targets.read_invoice_inputs(kOctober, 10, kHighest, 10).empty());
  EXPECT_TRUE(targets.read_invoice_inputs(kOctober, kLowest, kHighest, 0).empty());
  EXPECT_EQ(targets.read_invoice_inputs(kOctober, kLowest, kHighest, 100).size(), 9u);

  // Walking a partition page by page from the checkpoint, as the invoice job does.
  std::vector<UserId> walked;
  UserId cursor = 0;
  for (;;) {
    auto page = targets.read_invoice_inputs(kOctober, cursor, 9, 2);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 2u);
    for (const auto& input : page) walked.push_back(input.bill.user_id);
    cursor = page.back().bill.user_id;
  }
  EXPECT_EQ(walked, (std::vector<UserId>{1, 2, 3, 4, 6, 7, 8, 9}));
}

TEST_P(DatabaseConformance, InvoiceInputsForListedUsersSkipUnknownAndFailedBills) {
  load(database(), {customer(1), customer(2), customer(3), customer(4), customer(5)});
  settle(database(), kOctober, {issued_bill(1, 1), issued_bill(2, 2), failed_bill(3), issued_bill(4, 4)});
  settle(database(), kSeptember, {issued_bill(5, 5)});

  const std::vector<UserId> wanted = {4, 999, 3, 1, 5};
  auto inputs = database().targets().read_invoice_inputs_for(kOctober, wanted);
  auto ids = ids_of(inputs);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<UserId>{1, 4}));
  for (const InvoiceInput& input : inputs) {
    SCOPED_TRACE("user " + std::to_string(input.bill.user_id));
    expect_same_bill(input.bill, issued_bill(input.bill.user_id, input.bill.user_id));
    EXPECT_EQ(input.name, customer(input.bill.user_id).name);
    EXPECT_EQ(input.email_ciphertext, customer(input.bill.user_id).email_ciphertext);
    EXPECT_FALSE(input.target_status.has_value());
  }

  std::vector<DispatchTarget> stored = {failed_target(4)};
  database().targets().store_targets(stored);
  const std::vector<UserId> only_four = {4};
  inputs = database().targets().read_invoice_inputs_for(kOctober, only_four);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].target_status, std::optional<std::string>("FAILED"));
  EXPECT_EQ(inputs[0].target_revision, 1);

  EXPECT_TRUE(database().targets().read_invoice_inputs_for(kOctober, std::vector<UserId>{}).empty());
  EXPECT_TRUE(database().targets().read_invoice_inputs_for(kOctober, std::vector<UserId>{3, 999}).empty());
}

TEST_P(DatabaseConformance, CommittedTargetsReadBackEqualAndMoveTheCheckpoint) {
  auto& work = database().work();
  work.open_run(JobKind::Invoicing, kOctober, {});
  PartitionLease lease = invoicing_lease_or_fail(database(), "invoicer-a");

  DispatchTarget full = full_target(7, 2);
  DispatchTarget minimal = minimal_target(3);
  DispatchTarget failed = failed_target(5);
  DispatchTarget email_only = minimal_target(9);
  email_only.email_ciphertext = std::string("\0", 1);
  email_only.email_object = StoredObjectReference{"b", "k", 0, ""};
  std::vector<DispatchTarget> chunk = {minimal, failed, full, email_only};
  database().targets().commit_targets(lease, chunk, 9, kLongLease);

  auto found = database().targets().find_target(kOctober, 7);
  ASSERT_TRUE(found.has_value());
  expect_same_target(*found, full);
  found = database().targets().find_target(kOctober, 5);
  ASSERT_TRUE(found.has_value());
  expect_same_target(*found, failed);
  EXPECT_FALSE(database().targets().find_target(kOctober, 4).has_value());
  EXPECT_FALSE(database().targets().find_target(kSeptember, 7).has_value());

  auto stored = all_targets(database(), kOctober);
  ASSERT_EQ(stored.size(), 4u);
  expect_same_target(stored[0], minimal);
  expect_same_target(stored[1], failed);
  expect_same_target(stored[2], full);
  expect_same_target(stored[3], email_only);
  EXPECT_TRUE(all_targets(database(), kSeptember).empty());
  EXPECT_EQ(database().targets().failed_target_users(kOctober), (std::vector<UserId>{5}));
  EXPECT_TRUE(database().targets().failed_target_users(kSeptember).empty());

  database().targets().commit_targets(lease, {}, 20, kLongLease);  // an empty chunk still moves on
  ASSERT_TRUE(work.expire_lease(lease));
  PartitionLease resumed = invoicing_lease_or_fail(database(), "invoicer-b");
  EXPECT_EQ(resumed.partition, lease.partition);
  EXPECT_EQ(resumed.checkpoint, 20);

  // Settlement and invoicing leases are separate: a settlement lease of the same partition
  // number does not fence the invoicing one.
  work.open_run(JobKind::Settlement, kOctober, {});
  PartitionLease settlement = lease_or_fail(database(), "invoicer-b");
  EXPECT_EQ(settlement.job, JobKind::Settlement);
  std::vector<DispatchTarget> again = {full_target(7, 3)};
  database().targets().commit_targets(resumed, again, 21, kLongLease);
  EXPECT_EQ(database().targets().find_target(kOctober, 7)->invoice_revision, 3);
}

TEST_P(DatabaseConformance, CommitTargetsWithALostLeaseThrowsAndStoresNothing) {
  auto& work = database().work();
  work.open_run(JobKind::Invoicing, kOctober, {});
  PartitionLease stale = invoicing_lease_or_fail(database(), "invoicer-a", std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  PartitionLease fresh = invoicing_lease_or_fail(database(), "invoicer-b");
  EXPECT_EQ(fresh.partition, stale.partition);

  std::vector<DispatchTarget> chunk = {full_target(7), failed_target(8)};
  EXPECT_THROW(database().targets().commit_targets(stale, chunk, 8, kLongLease), ports::LeaseLost);
  EXPECT_TRUE(all_targets(database(), kOctober).empty());
  EXPECT_FALSE(database().targets().find_target(kOctober, 7).has_value());
  EXPECT_TRUE(database().targets().failed_target_users(kOctober).empty());

  // The checkpoint did not move either: the new owner starts where the partition started.
  ASSERT_TRUE(work.expire_lease(fresh));
  PartitionLease again = invoicing_lease_or_fail(database(), "invoicer-c");
  EXPECT_EQ(again.checkpoint, stale.low_exclusive);
  database().targets().commit_targets(again, chunk, 8, kLongLease);
  EXPECT_EQ(all_targets(database(), kOctober).size(), 2u);
}

TEST_P(DatabaseConformance, StoringTargetsUpdatesReadyAndFailedOnesButNeverADeliveryStatus) {
  if (!GetParam().force_target_status) GTEST_SKIP() << "the backend provides no force_target_status hook";
  auto& targets = database().targets();
  std::vector<DispatchTarget> first = {full_target(1), failed_target(2), full_target(3)};
  EXPECT_EQ(targets.store_targets(first), 3);
  EXPECT_EQ(targets.failed_target_users(kOctober), (std::vector<UserId>{2}));
  GetParam().force_target_status(database(), kOctober, 3, "SENT");
  const DispatchTarget sent = *targets.find_target(kOctober, 3);
  EXPECT_EQ(sent.status, "SENT");

  DispatchTarget regenerated = full_target(2, 2);  // the FAILED one, now produced
  DispatchTarget failed_now = failed_target(1);   // the READY one, now failed
  failed_now.invoice_revision = 2;
  std::vector<DispatchTarget> second = {failed_now, regenerated, full_target(3, 2), full_target(4)};
  EXPECT_EQ(targets.store_targets(second), 3);  // 1 and 2 updated, 4 inserted, 3 left alone

  expect_same_target(*targets.find_target(kOctober, 1), failed_now);
  expect_same_target(*targets.find_target(kOctober, 2), regenerated);
  expect_same_target(*targets.find_target(kOctober, 3), sent);
  expect_same_target(*targets.find_target(kOctober, 4), full_target(4));
  EXPECT_EQ(targets.failed_target_users(kOctober), (std::vector<UserId>{1}));

  std::vector<DispatchTarget> only_sent = {full_target(3, 9)};
  EXPECT_EQ(targets.store_targets(only_sent), 0);
  EXPECT_EQ(targets.store_targets({}), 0);
  expect_same_target(*targets.find_target(kOctober, 3), sent);

  // The fenced commit follows the same rule.
  database().work().open_run(JobKind::Invoicing, kOctober, {});
  PartitionLease lease = invoicing_lease_or_fail(database(), "invoicer");
  database().targets().commit_targets(lease, only_sent, 3, kLongLease);
  expect_same_target(*targets.find_target(kOctober, 3), sent);

  // A SENT target of another month does not protect this month's.
  GetParam().force_target_status(database(), kOctober, 4, "EXHAUSTED");
  DispatchTarget september = full_target(4);
  september.month = kSeptember;
  std::vector<DispatchTarget> other_month = {september};
  EXPECT_EQ(targets.store_targets(other_month), 1);
  EXPECT_EQ(targets.find_target(kOctober, 4)->status, "EXHAUSTED");
  EXPECT_EQ(targets.find_target(kSeptember, 4)->status, "READY");
}

TEST_P(DatabaseConformance, ATargetListedTwiceInOneChunkIsStoredAsItsLastVersion) {
  DispatchTarget earlier = full_target(6, 1);
  DispatchTarget later = failed_target(6);
  later.invoice_revision = 2;
  std::vector<DispatchTarget> chunk = {earlier, full_target(5), later};
  database().targets().store_targets(chunk);
  expect_same_target(*database().targets().find_target(kOctober, 6), later);
  EXPECT_EQ(all_targets(database(), kOctober).size(), 2u);
}

TEST_P(DatabaseConformance, ForEachTargetWalksAMonthLargerThanAnyPage) {
  database().work().open_run(JobKind::Invoicing, kOctober, {});
  PartitionLease lease = invoicing_lease_or_fail(database(), "invoicer");
  constexpr UserId kTargets = 12'345;
  std::vector<DispatchTarget> chunk;
  for (UserId id = 1; id <= kTargets; ++id) {
    chunk.push_back(id % 97 == 0 ? failed_target(id) : full_target(id, static_cast<int>(id % 5) + 1));
    if (chunk.size() == 5000 || id == kTargets) {
      database().targets().commit_targets(lease, chunk, id, kLongLease);
      chunk.clear();
    }
  }
  UserId expected = 0;
  database().targets().for_each_target(kOctober, [&expected](const DispatchTarget& target) {
    ++expected;
    ASSERT_EQ(target.user_id, expected);
    if (expected % 97 == 0) {
      ASSERT_EQ(target.status, "FAILED");
    } else {
      ASSERT_EQ(target.invoice_revision, static_cast<int>(expected % 5) + 1);
      ASSERT_EQ(target.email_ciphertext, bytes("target-email-", expected));
    }
  });
  EXPECT_EQ(expected, kTargets);
  EXPECT_EQ(database().targets().failed_target_users(kOctober).size(), static_cast<std::size_t>(kTargets / 97));
}

}  // namespace tr1l::conformance
