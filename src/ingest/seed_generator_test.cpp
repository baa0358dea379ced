#include "ingest/seed_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "domain/contact.h"
#include "ingest/default_catalog.h"

namespace tr1l::ingest {
namespace {

using domain::Date;
using domain::YearMonth;

const YearMonth kMonth{2026, 10};

// Everything about a customer as one line, for comparing records.
std::string describe(const SeedCustomer& customer) {
  auto text = [](const std::optional<std::string>& value) { return value.value_or("-"); };
  auto number = [](const std::optional<int>& value) { return value ? std::to_string(*value) : "-"; };
  std::string line = std::to_string(customer.user_id) + "|" + customer.name + "|" + customer.birth_date.to_string() +
                     "|" + text(customer.email) + "|" + text(customer.phone) + "|" + text(customer.plan_code) + "|" +
                     text(customer.welfare_code) + "|" + std::string(domain::to_string(customer.status)) + "|" +
                     std::string(domain::to_string(customer.role)) + "|" + number(customer.send_day) + "|" +
                     number(customer.quiet_from) + "|" + number(customer.quiet_to);
  for (const auto& term : customer.contracts) line += "|C" + term.start.to_string() + "~" + term.end.to_string();
  for (const auto& add_on : customer.add_ons) {
    line += "|A" + add_on.add_on_code + ":" + add_on.start.to_string() + "~" + add_on.end.to_string();
  }
  if (customer.military) {
    line += "|M" + customer.military->start.to_string() + "~" + (customer.military->end ? customer.military->end->to_string() : "");
  }
  for (const auto& usage : customer.usage) line += "|U" + usage.month.to_string() + "=" + std::to_string(usage.used_mb);
  return line;
}

// The settlement rule's contract length (SPEC §4.5).
int contract_months(const domain::ContractTerm& term) {
  return (term.end.year - term.start.year) * 12 + (term.end.month - term.start.month) -
         (term.end.day < term.start.day ? 1 : 0);
}

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char byte : text) count += (byte & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

TEST(SeedGenerator, SameOptionsGiveIdenticalCustomers) {
  const SeedGenerator first({5'000, kMonth, 42});
  const SeedGenerator second({5'000, kMonth, 42});
  for (domain::UserId id = 1; id <= 5'000; ++id) ASSERT_EQ(describe(first.customer(id)), describe(second.customer(id)));
}

TEST(SeedGenerator, CustomerDoesNotDependOnGenerationOrderOrUserCount) {
  const SeedGenerator small({100, kMonth, 7});
  const SeedGenerator large({100'000, kMonth, 7});
  const std::string last_first = describe(small.customer(100));
  for (domain::UserId id = 1; id <= 100; ++id) EXPECT_EQ(describe(small.customer(id)), describe(large.customer(id)));
  EXPECT_EQ(last_first, describe(small.customer(100)));
}

TEST(SeedGenerator, DifferentSeedGivesDifferentCustomers) {
  const SeedGenerator first({1'000, kMonth, 1});
  const SeedGenerator second({1'000, kMonth, 2});
  int differing = 0;
  for (domain::UserId id = 1; id <= 1'000; ++id) {
    differing += describe(first.customer(id)) != describe(second.customer(id)) ? 1 : 0;
  }
  EXPECT_EQ(differing, 1'000);
}

// Pins the generator's output: the same seed must give the same customers on every platform and
// standard library. If a deliberate change to the generator (or the default catalogue) moves
// these values, update them in the same commit.
TEST(SeedGenerator, OutputIsPinnedAcrossPlatforms) {
  const SeedGenerator generator({1'000, kMonth, 20261001});
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a over every record's description
  for (domain::UserId id = 1; id <= 1'000; ++id) {
    for (unsigned char byte : describe(generator.customer(id)) + "\n") hash = (hash ^ byte) * 1099511628211ULL;
  }
  EXPECT_EQ(hash, 16861118640134291971ULL) << describe(generator.customer(1));
}

TEST(SeedGenerator, RejectsImpossibleOptions) {
  EXPECT_THROW(SeedGenerator({-1, kMonth, 1}), std::invalid_argument);
  EXPECT_THROW(SeedGenerator({kMaxSeedUsers + 1, kMonth, 1}), std::invalid_argument);
  const SeedGenerator generator({10, kMonth, 1});
  EXPECT_THROW(generator.customer(0), std::out_of_range);
  EXPECT_THROW(generator.customer(11), std::out_of_range);
}

TEST(SeedGenerator, PhonesAreUniqueOverTheWholeIdSpaceSample) {
  // The phone permutation is checked densely at both ends of the id space.
  const SeedGenerator generator({kMaxSeedUsers, kMonth, 3});
  std::set<std::string> phones;
  int generated = 0;
  for (domain::UserId id : {domain::UserId{1}, kMaxSeedUsers - 20'000}) {
    for (domain::UserId offset = 0; offset <= 20'000; ++offset) {
      if (auto phone = generator.customer(id + offset).phone) {
        phones.insert(*phone);
        ++generated;
      }
    }
  }
  EXPECT_EQ(phones.size(), static_cast<std::size_t>(generated));
}

// Distribution sanity over 10,000 customers: everything the settlement, invoice and dispatch
// stages need to exercise is present, and every value is valid input.
class SeedDistribution : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const SeedGenerator generator({kUsers, kMonth, 2026});
    customers_ = new std::vector<SeedCustomer>();
    for (domain::UserId id = 1; id <= kUsers; ++id) customers_->push_back(generator.customer(id));
  }
  static void TearDownTestSuite() {
    delete customers_;
    customers_ = nullptr;
  }
  static const std::vector<SeedCustomer>& customers() { return *customers_; }
  static constexpr std::int64_t kUsers = 10'000;

 private:
  static inline std::vector<SeedCustomer>* customers_ = nullptr;
};

TEST_F(SeedDistribution, EveryPlanAndWelfareCodeAppears) {
  std::map<std::string, int> plans;
  std::map<std::string, int> welfare;
  int without_plan = 0;
  int with_welfare = 0;
  for (const auto& customer : customers()) {
    if (customer.plan_code) {
      ++plans[*customer.plan_code];
    } else {
      ++without_plan;
    }
    if (customer.welfare_code) {
      ++welfare[*customer.welfare_code];
      ++with_welfare;
    }
  }
  const domain::Catalog& catalog = default_catalog();
  for (const auto& code : catalog.plan_codes()) EXPECT_GT(plans[code], 0) << code;
  for (const auto& code : catalog.welfare_codes()) EXPECT_GT(welfare[code], 0) << code;
  EXPECT_EQ(plans.size(), catalog.plan_count());
  EXPECT_NEAR(without_plan, 200, 80);
  EXPECT_NEAR(with_welfare, 1'500, 200);
  // Popular plans are weighted: the most common plan is far more common than the rarest.
  int most = 0;
  int least = kUsers;
  for (const auto& [code, count] : plans) {
    most = std::max(most, count);
    least = std::min(least, count);
  }
  EXPECT_GT(most, 8 * least);
}

TEST_F(SeedDistribution, StatusesRolesAndContacts) {
  std::map<domain::CustomerStatus, int> statuses;
  std::map<domain::Role, int> roles;
  int neither = 0;
  int email_only = 0;
  int phone_only = 0;
  for (const auto& customer : customers()) {
    ++statuses[customer.status];
    ++roles[customer.role];
    neither += !customer.email && !customer.phone ? 1 : 0;
    email_only += customer.email && !customer.phone ? 1 : 0;
    phone_only += !customer.email && customer.phone ? 1 : 0;
  }
  EXPECT_NEAR(statuses[domain::CustomerStatus::Withdrawn], 300, 90);
  EXPECT_NEAR(statuses[domain::CustomerStatus::Banned], 100, 50);
  EXPECT_NEAR(roles[domain::Role::Admin] + roles[domain::Role::Guest], 100, 50);
  EXPECT_GT(roles[domain::Role::Admin], 0);
  EXPECT_GT(roles[domain::Role::Guest], 0);
  EXPECT_GT(neither, 0);
  EXPECT_LT(neither, 60);
  EXPECT_GT(email_only, 100);
  EXPECT_GT(phone_only, 100);
}

TEST_F(SeedDistribution, ContactsAreUniqueAndAlreadyNormalised) {
  std::set<std::string> emails;
  std::set<std::string> phones;
  std::set<std::string> domains;
  for (const auto& customer : customers()) {
    if (customer.email) {
      EXPECT_TRUE(emails.insert(*customer.email).second) << "duplicate e-mail for user " << customer.user_id;
      domain::ContactProblem problem;
      auto normalised = domain::normalise_email(*customer.email, &problem);
      ASSERT_TRUE(normalised) << problem.reason;
      EXPECT_EQ(*normalised, *customer.email);
      domains.insert(customer.email->substr(customer.email->find('@') + 1));
    }
    if (customer.phone) {
      EXPECT_TRUE(phones.insert(*customer.phone).second) << "duplicate phone for user " << customer.user_id;
      domain::ContactProblem problem;
      auto normalised = domain::normalise_phone(*customer.phone, &problem);
      ASSERT_TRUE(normalised) << problem.reason;
      EXPECT_EQ(*normalised, *customer.phone);
      EXPECT_TRUE(customer.phone->starts_with("010-"));
    }
  }
  for (const char* expected : {"naver.com", "gmail.com", "daum.net", "kakao.com"}) EXPECT_TRUE(domains.contains(expected));
}

TEST_F(SeedDistribution, NamesAndBirthDatesLookKorean) {
  std::map<std::size_t, int> lengths;
  int two_syllable_surnames = 0;
  for (const auto& customer : customers()) {
    ++lengths[code_points(customer.name)];
    for (const char* surname : {"남궁", "황보", "제갈", "선우", "독고", "사공"}) {
      two_syllable_surnames += customer.name.starts_with(surname) ? 1 : 0;
    }
    EXPECT_GE(customer.birth_date, (Date{1940, 1, 1}));
    EXPECT_LE(customer.birth_date, (Date{2012, 12, 31}));
    EXPECT_TRUE(Date::parse(customer.birth_date.to_string()));
  }
  EXPECT_EQ(lengths.begin()->first, 2U);
  EXPECT_EQ(lengths.rbegin()->first, 4U);
  EXPECT_GT(lengths[2], 0);
  EXPECT_GT(lengths[3], kUsers / 2);
  EXPECT_GT(lengths[4], 0);
  EXPECT_GT(two_syllable_surnames, 0);
}

TEST_F(SeedDistribution, SendDaysAndQuietHours) {
  std::set<int> send_days;
  int any_day = 0;
  int no_quiet = 0;
  int crossing_midnight = 0;
  int daytime = 0;
  std::set<std::pair<int, int>> windows;
  for (const auto& customer : customers()) {
    if (customer.send_day) {
      EXPECT_GE(*customer.send_day, 1);
      EXPECT_LE(*customer.send_day, 31);
      send_days.insert(*customer.send_day);
    } else {
      ++any_day;
    }
    ASSERT_EQ(customer.quiet_from.has_value(), customer.quiet_to.has_value());
    if (!customer.quiet_from) {
      ++no_quiet;
      continue;
    }
    EXPECT_NE(*customer.quiet_from, *customer.quiet_to);
    EXPECT_GE(*customer.quiet_from, 0);
    EXPECT_LE(*customer.quiet_to, 23);
    windows.insert({*customer.quiet_from, *customer.quiet_to});
    (*customer.quiet_from > *customer.quiet_to ? crossing_midnight : daytime) += 1;
  }
  EXPECT_EQ(send_days.size(), 31U);  // 29, 30 and 31 included
  EXPECT_NEAR(any_day, 3'000, 300);
  EXPECT_NEAR(no_quiet, 4'000, 300);
  EXPECT_TRUE(windows.contains({22, 7}));
  EXPECT_TRUE(windows.contains({23, 8}));
  EXPECT_GT(crossing_midnight, daytime);
  EXPECT_GT(daytime, 0);
}

TEST_F(SeedDistribution, ContractsCoverEveryCase) {
  std::map<std::size_t, int> counts;
  int overlapping_12 = 0;
  int overlapping_24 = 0;
  int ended_before = 0;
  int odd_length = 0;
  int end_day_before_start_day = 0;
  for (const auto& customer : customers()) {
    ++counts[customer.contracts.size()];
    for (const auto& term : customer.contracts) {
      ASSERT_LE(term.start, term.end);
      const bool overlaps = domain::overlaps_month(term.start, term.end, kMonth);
      const int months = contract_months(term);
      overlapping_12 += overlaps && months == 12 ? 1 : 0;
      overlapping_24 += overlaps && months == 24 ? 1 : 0;
      ended_before += term.end < kMonth.first_day() ? 1 : 0;
      odd_length += months == 18 || months == 36 ? 1 : 0;
      end_day_before_start_day += term.end.day < term.start.day ? 1 : 0;
    }
  }
  EXPECT_GT(counts[0], 0);
  EXPECT_GT(counts[3], 0);
  EXPECT_EQ(counts.rbegin()->first, 3U);
  EXPECT_GT(overlapping_12, 100);
  EXPECT_GT(overlapping_24, 100);
  EXPECT_GT(ended_before, 100);
  EXPECT_GT(odd_length, 0);
  EXPECT_GT(end_day_before_start_day, 0);
}

TEST_F(SeedDistribution, MilitaryServiceOpenClosedAndAtTheEdges) {
  int serving = 0;
  int open = 0;
  int closed = 0;
  int ends_on_first_day = 0;
  int starts_on_last_day = 0;
  int ended_before = 0;
  for (const auto& customer : customers()) {
    if (!customer.military) continue;
    const auto& service = *customer.military;
    if (service.end) {
      ASSERT_LE(service.start, *service.end);
    }
    (service.end ? closed : open) += 1;
    serving += domain::overlaps_month(service.start, service.end, kMonth) ? 1 : 0;
    ends_on_first_day += service.end == kMonth.first_day() ? 1 : 0;
    starts_on_last_day += service.start == kMonth.last_day() ? 1 : 0;
    ended_before += service.end && *service.end < kMonth.first_day() ? 1 : 0;
  }
  EXPECT_NEAR(open + closed, 300, 90);
  EXPECT_GT(open, 0);
  EXPECT_GT(closed, 0);
  EXPECT_GT(serving, 0);
  EXPECT_GT(ends_on_first_day, 0);
  EXPECT_GT(starts_on_last_day, 0);
  EXPECT_GT(ended_before, 0);
}

TEST_F(SeedDistribution, AddOnsFromNoneToSeven) {
  const domain::Catalog& catalog = default_catalog();
  std::map<std::size_t, int> counts;
  int overlapping = 0;
  int not_overlapping = 0;
  int included_in_plan = 0;
  for (const auto& customer : customers()) {
    ++counts[customer.add_ons.size()];
    std::set<std::string> codes;
    for (const auto& add_on : customer.add_ons) {
      ASSERT_LE(add_on.start, add_on.end);
      ASSERT_TRUE(catalog.find_add_on(add_on.add_on_code)) << add_on.add_on_code;
      EXPECT_TRUE(codes.insert(add_on.add_on_code).second);
      (domain::overlaps_month(add_on.start, add_on.end, kMonth) ? overlapping : not_overlapping) += 1;
      included_in_plan += customer.plan_code && catalog.plan_includes(*customer.plan_code, add_on.add_on_code) ? 1 : 0;
    }
  }
  EXPECT_GT(counts[0], 0);
  EXPECT_GT(counts[7], 0);
  EXPECT_EQ(counts.rbegin()->first, 7U);
  EXPECT_GT(overlapping, not_overlapping);
  EXPECT_GT(not_overlapping, 0);
  EXPECT_GT(included_in_plan, 0);
}

TEST_F(SeedDistribution, UsageForTheMonthAndTheOneBeforeIsHeavyTailed) {
  std::vector<std::int64_t> current;
  for (const auto& customer : customers()) {
    ASSERT_EQ(customer.usage.size(), 2U);
    EXPECT_EQ(customer.usage[0].month, (YearMonth{2026, 9}));
    EXPECT_EQ(customer.usage[1].month, kMonth);
    for (const auto& usage : customer.usage) EXPECT_GE(usage.used_mb, 0);
    current.push_back(customer.usage[1].used_mb);
  }
  std::sort(current.begin(), current.end());
  EXPECT_LT(current[current.size() / 2], 3'000);          // the median user: a couple of GB
  EXPECT_GT(current[current.size() * 99 / 100], 30'000);  // the top percent: tens of GB
  EXPECT_EQ(current.front(), 0);
}

TEST(SeedGenerator, MonthBoundariesWrapTheYear) {
  const SeedGenerator generator({50, YearMonth{2027, 1}, 9});
  for (domain::UserId id = 1; id <= 50; ++id) {
    const SeedCustomer customer = generator.customer(id);
    EXPECT_EQ(customer.usage[0].month, (YearMonth{2026, 12}));
  }
}

}  // namespace
}  // namespace tr1l::ingest
