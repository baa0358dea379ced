#include "ingest/seed_generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include "ingest/default_catalog.h"

namespace tr1l::ingest {
namespace {

using domain::Date;
using domain::YearMonth;

// ---------------------------------------------------------------------------------------------
// Weighted tables. Weights are integers so every pick is exact integer arithmetic.

template <typename Value>
struct Weighted {
  Value value;
  std::uint32_t weight;
};

template <typename Value, std::size_t Size>
const Value& pick(Xoshiro256& random, const std::array<Weighted<Value>, Size>& table) {
  std::uint32_t total = 0;
  for (const auto& entry : table) total += entry.weight;
  std::uint32_t ticket = random.below(total);
  for (const auto& entry : table) {
    if (ticket < entry.weight) return entry.value;
    ticket -= entry.weight;
  }
  return table.back().value;
}

struct Syllable {
  std::string_view hangul;
  std::string_view roman;
};

// Surnames with rough per-100,000 frequencies of the Korean census; the two-syllable ones
// (남궁, 황보, 제갈, ...) are rare but present, as in life.
constexpr std::array<Weighted<Syllable>, 104> kSurnames{{
    {{"김", "kim"}, 21500},    {{"이", "lee"}, 14700},   {{"박", "park"}, 8400},   {{"최", "choi"}, 4700},
    {{"정", "jung"}, 4400},    {{"강", "kang"}, 2300},   {{"조", "cho"}, 2100},    {{"윤", "yoon"}, 2000},
    {{"장", "jang"}, 2000},    {{"임", "lim"}, 1700},    {{"한", "han"}, 1500},    {{"오", "oh"}, 1500},
    {{"서", "seo"}, 1500},     {{"신", "shin"}, 1500},   {{"권", "kwon"}, 1400},   {{"황", "hwang"}, 1400},
    {{"안", "ahn"}, 1400},     {{"송", "song"}, 1300},   {{"전", "jeon"}, 1100},   {{"홍", "hong"}, 1100},
    {{"유", "yoo"}, 1100},     {{"고", "ko"}, 900},      {{"문", "moon"}, 900},    {{"양", "yang"}, 900},
    {{"손", "son"}, 900},      {{"배", "bae"}, 800},     {{"백", "baek"}, 700},    {{"허", "heo"}, 600},
    {{"노", "noh"}, 600},      {{"남", "nam"}, 550},     {{"심", "shim"}, 550},    {{"하", "ha"}, 450},
    {{"곽", "kwak"}, 400},     {{"성", "sung"}, 400},    {{"차", "cha"}, 400},     {{"주", "joo"}, 400},
    {{"우", "woo"}, 400},      {{"구", "koo"}, 400},     {{"민", "min"}, 350},     {{"류", "ryu"}, 350},
    {{"나", "na"}, 300},       {{"진", "jin"}, 300},     {{"지", "ji"}, 300},      {{"엄", "eom"}, 300},
    {{"채", "chae"}, 250},     {{"원", "won"}, 250},     {{"천", "cheon"}, 250},   {{"방", "bang"}, 250},
    {{"공", "kong"}, 200},     {{"현", "hyun"}, 200},    {{"함", "ham"}, 150},     {{"변", "byun"}, 150},
    {{"염", "yeom"}, 150},     {{"여", "yeo"}, 150},     {{"추", "choo"}, 100},    {{"도", "do"}, 100},
    {{"소", "so"}, 100},       {{"석", "seok"}, 100},    {{"선", "sun"}, 100},     {{"설", "seol"}, 100},
    {{"마", "ma"}, 100},       {{"길", "gil"}, 100},     {{"연", "yeon"}, 100},    {{"위", "wi"}, 80},
    {{"표", "pyo"}, 50},       {{"명", "myung"}, 50},    {{"기", "ki"}, 50},       {{"반", "ban"}, 50},
    {{"왕", "wang"}, 50},      {{"금", "keum"}, 50},     {{"옥", "ok"}, 50},       {{"육", "yook"}, 50},
    {{"인", "in"}, 50},        {{"맹", "maeng"}, 50},    {{"제", "je"}, 50},       {{"모", "mo"}, 50},
    {{"탁", "tak"}, 50},       {{"국", "kook"}, 50},     {{"어", "eo"}, 40},       {{"은", "eun"}, 40},
    {{"편", "pyeon"}, 40},     {{"용", "yong"}, 40},     {{"예", "ye"}, 30},       {{"경", "kyung"}, 30},
    {{"봉", "bong"}, 30},      {{"사", "sa"}, 30},       {{"부", "boo"}, 30},      {{"가", "ka"}, 30},
    {{"복", "bok"}, 20},       {{"태", "tae"}, 20},      {{"목", "mok"}, 20},      {{"형", "hyung"}, 20},
    {{"피", "pi"}, 20},        {{"두", "doo"}, 20},      {{"감", "kam"}, 20},      {{"호", "ho"}, 20},
    {{"남궁", "namgung"}, 60}, {{"황보", "hwangbo"}, 50}, {{"제갈", "jegal"}, 40}, {{"선우", "sunwoo"}, 40},
    {{"독고", "dokgo"}, 20},   {{"사공", "sagong"}, 20}, {{"서문", "seomun"}, 10}, {{"동방", "dongbang"}, 10},
}};

// Given-name syllables of recent decades.
constexpr std::array<Syllable, 72> kModernSyllables{{
    {"민", "min"},   {"서", "seo"},  {"준", "jun"},    {"지", "ji"},     {"현", "hyun"},  {"우", "woo"},
    {"영", "young"}, {"수", "su"},   {"진", "jin"},    {"호", "ho"},     {"연", "yeon"},  {"은", "eun"},
    {"하", "ha"},    {"윤", "yun"},  {"도", "do"},     {"예", "ye"},     {"성", "seong"}, {"재", "jae"},
    {"희", "hee"},   {"경", "kyung"}, {"주", "ju"},    {"원", "won"},    {"혜", "hye"},   {"정", "jung"},
    {"승", "seung"}, {"유", "yu"},   {"동", "dong"},   {"상", "sang"},   {"태", "tae"},   {"석", "seok"},
    {"미", "mi"},    {"나", "na"},   {"소", "so"},     {"아", "a"},      {"채", "chae"},  {"다", "da"},
    {"시", "si"},    {"건", "geon"}, {"혁", "hyuk"},   {"훈", "hoon"},   {"빈", "bin"},   {"린", "rin"},
    {"율", "yul"},   {"솔", "sol"},  {"별", "byul"},   {"슬", "seul"},   {"람", "ram"},   {"규", "gyu"},
    {"찬", "chan"},  {"한", "han"},  {"인", "in"},     {"용", "yong"},   {"세", "se"},    {"보", "bo"},
    {"라", "ra"},    {"가", "ga"},   {"온", "on"},     {"결", "gyeol"},  {"담", "dam"},   {"리", "ri"},
    {"안", "an"},    {"형", "hyung"}, {"기", "gi"},    {"범", "beom"},   {"선", "sun"},   {"효", "hyo"},
    {"창", "chang"}, {"명", "myung"}, {"겸", "gyeom"}, {"로", "ro"},     {"빛", "bit"},   {"후", "hoo"},
}};

// Syllables more common in the names of people born before the mid-1960s.
constexpr std::array<Syllable, 16> kClassicSyllables{{
    {"숙", "sook"}, {"자", "ja"},    {"순", "soon"},  {"옥", "ok"},    {"말", "mal"},  {"분", "bun"},
    {"춘", "chun"}, {"길", "gil"},   {"환", "hwan"},  {"철", "cheol"}, {"광", "gwang"}, {"덕", "deok"},
    {"남", "nam"},  {"식", "sik"},   {"갑", "gap"},   {"봉", "bong"},
}};

// Common two-syllable given names by the decade people were born in: most customers get one of
// these; the rest get syllables combined at random (rarer names exist, and they vary the data).
using GivenName = std::array<Syllable, 2>;
// Born 1990 or later.
constexpr std::array<GivenName, 50> kGivenNamesSince1990{{
    {{{"민", "min"}, {"준", "jun"}}}, {{{"서", "seo"}, {"준", "jun"}}}, {{{"도", "do"}, {"윤", "yun"}}}, {{{"예", "ye"}, {"준", "jun"}}},
    {{{"시", "si"}, {"우", "woo"}}}, {{{"하", "ha"}, {"준", "jun"}}}, {{{"주", "ju"}, {"원", "won"}}}, {{{"지", "ji"}, {"호", "ho"}}},
    {{{"지", "ji"}, {"후", "hoo"}}}, {{{"준", "jun"}, {"우", "woo"}}}, {{{"준", "jun"}, {"서", "seo"}}}, {{{"건", "geon"}, {"우", "woo"}}},
    {{{"도", "do"}, {"현", "hyun"}}}, {{{"현", "hyun"}, {"우", "woo"}}}, {{{"지", "ji"}, {"훈", "hoon"}}}, {{{"우", "woo"}, {"진", "jin"}}},
    {{{"서", "seo"}, {"진", "jin"}}}, {{{"유", "yu"}, {"준", "jun"}}}, {{{"연", "yeon"}, {"우", "woo"}}}, {{{"은", "eun"}, {"우", "woo"}}},
    {{{"민", "min"}, {"재", "jae"}}}, {{{"현", "hyun"}, {"준", "jun"}}}, {{{"시", "si"}, {"윤", "yun"}}}, {{{"정", "jung"}, {"우", "woo"}}},
    {{{"승", "seung"}, {"우", "woo"}}}, {{{"서", "seo"}, {"연", "yeon"}}}, {{{"서", "seo"}, {"윤", "yun"}}}, {{{"지", "ji"}, {"우", "woo"}}},
    {{{"서", "seo"}, {"현", "hyun"}}}, {{{"민", "min"}, {"서", "seo"}}}, {{{"하", "ha"}, {"은", "eun"}}}, {{{"하", "ha"}, {"윤", "yun"}}},
    {{{"윤", "yun"}, {"서", "seo"}}}, {{{"지", "ji"}, {"유", "yu"}}}, {{{"지", "ji"}, {"민", "min"}}}, {{{"채", "chae"}, {"원", "won"}}},
    {{{"수", "su"}, {"아", "a"}}}, {{{"지", "ji"}, {"아", "a"}}}, {{{"지", "ji"}, {"윤", "yun"}}}, {{{"다", "da"}, {"은", "eun"}}},
    {{{"은", "eun"}, {"서", "seo"}}}, {{{"예", "ye"}, {"은", "eun"}}}, {{{"수", "su"}, {"빈", "bin"}}}, {{{"소", "so"}, {"율", "yul"}}},
    {{{"예", "ye"}, {"린", "rin"}}}, {{{"하", "ha"}, {"린", "rin"}}}, {{{"민", "min"}, {"지", "ji"}}}, {{{"유", "yu"}, {"진", "jin"}}},
    {{{"수", "su"}, {"민", "min"}}}, {{{"예", "ye"}, {"진", "jin"}}},
}};
// Born 1960-1989.
constexpr std::array<GivenName, 40> kGivenNames1960To1989{{
    {{{"지", "ji"}, {"훈", "hoon"}}}, {{{"성", "seong"}, {"민", "min"}}}, {{{"동", "dong"}, {"현", "hyun"}}}, {{{"상", "sang"}, {"훈", "hoon"}}},
    {{{"정", "jung"}, {"훈", "hoon"}}}, {{{"성", "seong"}, {"훈", "hoon"}}}, {{{"준", "jun"}, {"호", "ho"}}}, {{{"민", "min"}, {"수", "su"}}},
    {{{"현", "hyun"}, {"철", "cheol"}}}, {{{"재", "jae"}, {"현", "hyun"}}}, {{{"성", "seong"}, {"진", "jin"}}}, {{{"영", "young"}, {"진", "jin"}}},
    {{{"상", "sang"}, {"우", "woo"}}}, {{{"정", "jung"}, {"민", "min"}}}, {{{"승", "seung"}, {"현", "hyun"}}}, {{{"태", "tae"}, {"호", "ho"}}},
    {{{"동", "dong"}, {"욱", "wook"}}}, {{{"진", "jin"}, {"우", "woo"}}}, {{{"재", "jae"}, {"훈", "hoon"}}}, {{{"민", "min"}, {"호", "ho"}}},
    {{{"지", "ji"}, {"영", "young"}}}, {{{"은", "eun"}, {"정", "jung"}}}, {{{"미", "mi"}, {"영", "young"}}}, {{{"혜", "hye"}, {"진", "jin"}}},
    {{{"은", "eun"}, {"주", "ju"}}}, {{{"지", "ji"}, {"현", "hyun"}}}, {{{"수", "su"}, {"진", "jin"}}}, {{{"민", "min"}, {"정", "jung"}}},
    {{{"현", "hyun"}, {"정", "jung"}}}, {{{"은", "eun"}, {"영", "young"}}}, {{{"정", "jung"}, {"은", "eun"}}}, {{{"미", "mi"}, {"경", "kyung"}}},
    {{{"선", "sun"}, {"영", "young"}}}, {{{"혜", "hye"}, {"영", "young"}}}, {{{"소", "so"}, {"영", "young"}}}, {{{"유", "yu"}, {"리", "ri"}}},
    {{{"지", "ji"}, {"은", "eun"}}}, {{{"미", "mi"}, {"진", "jin"}}}, {{{"경", "kyung"}, {"희", "hee"}}}, {{{"수", "su"}, {"정", "jung"}}},
}};
// Born before 1960.
constexpr std::array<GivenName, 30> kGivenNamesBefore1960{{
    {{{"영", "young"}, {"수", "su"}}}, {{{"영", "young"}, {"호", "ho"}}}, {{{"영", "young"}, {"식", "sik"}}}, {{{"성", "seong"}, {"수", "su"}}},
    {{{"상", "sang"}, {"철", "cheol"}}}, {{{"정", "jung"}, {"호", "ho"}}}, {{{"광", "gwang"}, {"수", "su"}}}, {{{"성", "seong"}, {"호", "ho"}}},
    {{{"영", "young"}, {"철", "cheol"}}}, {{{"종", "jong"}, {"수", "su"}}}, {{{"병", "byung"}, {"철", "cheol"}}}, {{{"기", "gi"}, {"철", "cheol"}}},
    {{{"용", "yong"}, {"수", "su"}}}, {{{"정", "jung"}, {"식", "sik"}}}, {{{"만", "man"}, {"수", "su"}}}, {{{"정", "jung"}, {"숙", "sook"}}},
    {{{"영", "young"}, {"자", "ja"}}}, {{{"순", "soon"}, {"자", "ja"}}}, {{{"정", "jung"}, {"희", "hee"}}}, {{{"명", "myung"}, {"숙", "sook"}}},
    {{{"경", "kyung"}, {"숙", "sook"}}}, {{{"미", "mi"}, {"숙", "sook"}}}, {{{"영", "young"}, {"희", "hee"}}}, {{{"현", "hyun"}, {"숙", "sook"}}},
    {{{"순", "soon"}, {"옥", "ok"}}}, {{{"옥", "ok"}, {"순", "soon"}}}, {{{"말", "mal"}, {"순", "soon"}}}, {{{"춘", "chun"}, {"자", "ja"}}},
    {{{"영", "young"}, {"숙", "sook"}}}, {{{"정", "jung"}, {"자", "ja"}}},
}};

constexpr std::array<Weighted<std::string_view>, 9> kMailDomains{{
    {"naver.com", 40}, {"gmail.com", 25}, {"daum.net", 12}, {"kakao.com", 8}, {"hanmail.net", 7},
    {"nate.com", 5},   {"hotmail.com", 1}, {"outlook.com", 1}, {"icloud.com", 1},
}};

struct QuietWindow {
  int from;
  int to;
};

// Do-not-disturb windows people actually set: mostly overnight (crossing midnight), some daytime
// ones (work, lunch). A handful more are drawn at random below.
constexpr std::array<Weighted<QuietWindow>, 11> kQuietWindows{{
    {{22, 7}, 25}, {{23, 8}, 20}, {{22, 6}, 10}, {{23, 7}, 10}, {{21, 9}, 8}, {{0, 6}, 8},
    {{1, 7}, 4},   {{21, 8}, 4},  {{9, 18}, 5},  {{12, 14}, 3}, {{13, 17}, 3},
}};

// How popular a plan is, by code; plans not listed are the long tail.
constexpr std::array<Weighted<std::string_view>, 17> kPopularPlans{{
    {"PLN-002", 40}, {"PLN-005", 25}, {"PLN-006", 20}, {"PLN-009", 20}, {"PLN-011", 18}, {"PLN-043", 18},
    {"PLN-012", 15}, {"PLN-018", 15}, {"PLN-001", 12}, {"PLN-022", 12}, {"PLN-049", 12}, {"PLN-003", 10},
    {"PLN-007", 10}, {"PLN-013", 8},  {"PLN-044", 8},  {"PLN-048", 8},  {"PLN-015", 6},
}};
constexpr std::uint32_t kLongTailPlanWeight = 3;
constexpr std::uint32_t kSoldierPlanWeight = 60;  // 현역병사 plans, among customers in service

// ---------------------------------------------------------------------------------------------
// Civil-date arithmetic (H. Hinnant's days_from_civil / civil_from_days), proleptic Gregorian.

std::int64_t to_days(const Date& date) {
  const std::int64_t year = date.year - (date.month <= 2 ? 1 : 0);
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

Date from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int year = static_cast<int>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

Date add_days(const Date& date, std::int64_t days) { return from_days(to_days(date) + days); }

YearMonth add_months(const YearMonth& month, int months) {
  const int index = month.year * 12 + (month.month - 1) + months;
  return {index / 12, index % 12 + 1};
}

// The same day `months` later, clamped to the end of a shorter month (Jan 31 + 1 month = Feb 28/29).
Date add_months(const Date& date, int months) {
  const YearMonth target = add_months(YearMonth{date.year, date.month}, months);
  return {target.year, target.month, std::min(date.day, domain::days_in_month(target.year, target.month))};
}

Date random_day_in(Xoshiro256& random, const YearMonth& month) {
  return {month.year, month.month,
          static_cast<int>(random.between(1, domain::days_in_month(month.year, month.month)))};
}

// ---------------------------------------------------------------------------------------------

std::string romanised_local_part(Xoshiro256& random, std::string_view surname,
                                 const std::vector<std::string_view>& given) {
  std::string joined_given;
  std::string initials;
  for (std::string_view syllable : given) {
    joined_given += syllable;
    initials += syllable.front();
  }
  switch (random.below(6)) {
    case 0: return joined_given + std::string(surname);
    case 1: return std::string(surname) + joined_given;
    case 2: return joined_given + "." + std::string(surname);
    case 3: return std::string(surname) + "_" + joined_given;
    case 4: return initials + std::string(surname);
    default: return std::string(surname) + "." + joined_given;
  }
}

std::int64_t heavy_tailed_megabytes(Xoshiro256& random) {
  // Most people use a few GB; a few stream all month. Piecewise uniform keeps it integer-exact.
  const std::uint32_t tier = random.below(10'000);
  if (tier < 300) return 0;
  if (tier < 5'800) return random.between(1, 1'999);
  if (tier < 8'300) return random.between(2'000, 5'999);
  if (tier < 9'300) return random.between(6'000, 19'999);
  if (tier < 9'800) return random.between(20'000, 59'999);
  return random.between(60'000, 200'000);
}

// One 선택약정 term. `current` contracts mostly overlap the month; older ones mostly ended before.
domain::ContractTerm make_contract(Xoshiro256& random, const YearMonth& month, bool current) {
  static constexpr std::array<Weighted<int>, 6> kLengths{{{12, 40}, {24, 42}, {18, 5}, {36, 6}, {6, 4}, {30, 3}}};
  const int length = pick(random, kLengths);
  enum class Timing { Overlapping, Ended, Future };
  static constexpr std::array<Weighted<Timing>, 3> kCurrent{
      {{Timing::Overlapping, 80}, {Timing::Ended, 15}, {Timing::Future, 5}}};
  static constexpr std::array<Weighted<Timing>, 3> kOlder{
      {{Timing::Overlapping, 30}, {Timing::Ended, 68}, {Timing::Future, 2}}};

  YearMonth start_month;
  switch (pick(random, current ? kCurrent : kOlder)) {
    case Timing::Overlapping:
      // Started 0..length months ago, so the same day `length` months on is in or after the month.
      start_month = add_months(month, -static_cast<int>(random.between(0, length)));
      break;
    case Timing::Ended:
      start_month = add_months(month, -(length + 1 + static_cast<int>(random.between(0, 30))));
      break;
    case Timing::Future:
      start_month = add_months(month, 1 + static_cast<int>(random.between(0, 2)));
      break;
  }
  domain::ContractTerm term;
  term.start = random_day_in(random, start_month);
  term.end = add_months(term.start, length);
  // Some operators end a term the day before its anniversary; by the settlement rule such a term
  // is one month short (end day < start day), which the data should exercise.
  if (random.chance(1'500)) term.end = add_days(term.end, -1);
  return term;
}

domain::MilitaryService make_military(Xoshiro256& random, const YearMonth& month) {
  const Date first = month.first_day();
  const Date last = month.last_day();
  domain::MilitaryService service;
  const std::uint32_t kind = random.below(100);
  if (kind < 40) {  // serving now, enlisted within the last year and a half
    service.start = add_days(last, -random.between(0, 560));
  } else if (kind < 62) {  // discharged before the month
    service.end = add_days(first, -random.between(1, 900));
    service.start = add_days(*service.end, -random.between(540, 640));
  } else if (kind < 72) {  // discharged during the month
    service.end = random_day_in(random, month);
    service.start = add_days(*service.end, -random.between(540, 640));
  } else if (kind < 79) {  // discharged on the month's first day: served exactly one day of it
    service.end = first;
    service.start = add_days(first, -random.between(540, 640));
  } else if (kind < 85) {  // discharged the day before the month: not a day of it
    service.end = add_days(first, -1);
    service.start = add_days(first, -random.between(540, 640));
  } else if (kind < 91) {  // enlisted on the month's last day
    service.start = last;
  } else if (kind < 95) {  // enlisted after the month
    service.start = add_days(last, random.between(1, 60));
  } else {  // served through the whole month, discharge date already known
    service.start = add_days(first, -random.between(1, 500));
    service.end = add_days(last, random.between(1, 120));
  }
  return service;
}

domain::AddOnSubscription make_add_on(Xoshiro256& random, const YearMonth& month, std::string code) {
  const Date first = month.first_day();
  const Date last = month.last_day();
  domain::AddOnSubscription subscription;
  subscription.add_on_code = std::move(code);
  const std::uint32_t kind = random.below(100);
  if (kind < 64) {  // active during the month
    subscription.start = add_days(last, -random.between(0, 900));
    const std::uint32_t ending = random.below(100);
    if (ending < 10) {
      subscription.end = {9999, 12, 31};  // the operator's "until cancelled"
    } else if (ending < 50) {
      subscription.end = add_days(first, random.between(0, 60));
    } else {
      subscription.end = add_days(first, random.between(0, 900));
    }
    subscription.end = std::max(subscription.end, subscription.start);
  } else if (kind < 80) {  // cancelled before the month
    subscription.end = add_days(first, -random.between(1, 400));
    subscription.start = add_days(subscription.end, -random.between(0, 700));
  } else if (kind < 88) {  // starts after the month
    subscription.start = add_days(last, random.between(1, 90));
    subscription.end = add_days(subscription.start, random.between(0, 700));
  } else if (kind < 92) {  // ends on the month's first day
    subscription.end = first;
    subscription.start = add_days(first, -random.between(0, 400));
  } else if (kind < 96) {  // starts on the month's last day
    subscription.start = last;
    subscription.end = add_days(last, random.between(0, 400));
  } else {  // ended the day before the month
    subscription.end = add_days(first, -1);
    subscription.start = add_days(first, -random.between(1, 400));
  }
  return subscription;
}

// Bijective Feistel round function: any value below `modulus`, well mixed with the key.
std::int64_t scramble(std::int64_t value, std::uint64_t key, std::int64_t modulus) {
  return static_cast<std::int64_t>(mix64(static_cast<std::uint64_t>(value) ^ key) % static_cast<std::uint64_t>(modulus));
}

void append_padded(std::string& text, std::int64_t value, int width) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  (void)error;  // cannot fail: 24 characters hold any 64-bit integer
  for (int length = static_cast<int>(end - digits); length < width; ++length) text.push_back('0');
  text.append(digits, end);
}

}  // namespace

SeedGenerator::SeedGenerator(const SeedOptions& options) : SeedGenerator(options, default_catalog()) {}

SeedGenerator::SeedGenerator(const SeedOptions& options, const domain::Catalog& catalog) : options_(options) {
  if (options.users < 0) throw std::invalid_argument("the number of users must not be negative");
  if (options.users > kMaxSeedUsers) {
    throw std::invalid_argument("at most " + std::to_string(kMaxSeedUsers) +
                                " users can be generated (one distinct 010 number each)");
  }
  if (catalog.plan_codes().empty()) throw std::invalid_argument("the catalogue has no plans to draw from");

  std::uint32_t total = 0;
  std::uint32_t military_total = 0;
  for (const std::string& code : catalog.plan_codes()) {
    const domain::Plan& plan = *catalog.find_plan(code);
    std::uint32_t weight = kLongTailPlanWeight;
    for (const auto& popular : kPopularPlans) {
      if (popular.value == code) weight = popular.weight;
    }
    std::vector<std::string> included;
    for (const std::string& add_on : catalog.add_on_codes()) {
      if (catalog.plan_includes(code, add_on)) included.push_back(add_on);
    }
    total += weight;
    plans_.push_back({code, total, included});
    if (plan.military_eligible) {
      const bool soldier_plan = plan.name.find("현역병사") != std::string::npos;
      military_total += soldier_plan ? kSoldierPlanWeight : weight;
      military_plans_.push_back({code, military_total, std::move(included)});
    }
  }
  welfare_codes_ = catalog.welfare_codes();
  add_on_codes_ = catalog.add_on_codes();

  SplitMix64 keys(options.seed ^ 0x70686F6E65ULL);  // "phone": its own stream, apart from customers'
  for (std::uint64_t& key : phone_keys_) key = keys.next();
}

const SeedGenerator::PlanChoice& SeedGenerator::pick_plan(Xoshiro256& random, bool military) const {
  const auto& choices = military && !military_plans_.empty() ? military_plans_ : plans_;
  const std::uint32_t ticket = random.below(choices.back().cumulative_weight);
  return *std::upper_bound(choices.begin(), choices.end(), ticket,
                           [](std::uint32_t value, const PlanChoice& choice) { return value < choice.cumulative_weight; });
}

std::string SeedGenerator::make_phone(domain::UserId user_id) const {
  // A four-round Feistel permutation of the id over 8,000 x 10,000 numbers: distinct ids give
  // distinct numbers, and neighbouring ids do not get neighbouring numbers.
  const std::int64_t index = user_id - 1;
  std::int64_t high = index / 10'000;  // 0..7,999 -> middle group 2000..9999
  std::int64_t low = index % 10'000;
  high = (high + scramble(low, phone_keys_[0], 8'000)) % 8'000;
  low = (low + scramble(high, phone_keys_[1], 10'000)) % 10'000;
  high = (high + scramble(low, phone_keys_[2], 8'000)) % 8'000;
  low = (low + scramble(high, phone_keys_[3], 10'000)) % 10'000;
  std::string phone = "010-";
  append_padded(phone, 2'000 + high, 4);
  phone.push_back('-');
  append_padded(phone, low, 4);
  return phone;
}

SeedCustomer SeedGenerator::customer(domain::UserId user_id) const {
  if (user_id < 1 || user_id > options_.users) {
    throw std::out_of_range("user id " + std::to_string(user_id) + " is outside 1.." + std::to_string(options_.users));
  }
  // Each customer draws from its own stream, so customers are independent of generation order.
  Xoshiro256 random(mix64(options_.seed) ^ static_cast<std::uint64_t>(user_id));
  const YearMonth& month = options_.month;

  SeedCustomer customer;
  customer.user_id = user_id;
  const bool military = random.chance(300);

  // Birth date: 1940-2012, peaking in the mid-1970s (sum of two uniform draws); soldiers are
  // young men, 19-26 in the billing month.
  int birth_year = static_cast<int>(1940 + random.between(0, 36) + random.between(0, 36));
  if (military) birth_year = std::clamp(month.year - static_cast<int>(random.between(19, 26)), 1940, 2012);
  customer.birth_date = random_day_in(random, YearMonth{birth_year, static_cast<int>(random.between(1, 12))});

  // Name: surname + 1-3 syllables, 2-4 syllables in all.
  const Syllable& surname = pick(random, kSurnames);
  const bool two_syllable_surname = surname.hangul.size() > 3;  // UTF-8 Hangul: 3 bytes a syllable
  std::size_t given_length = 2;
  const std::uint32_t length_draw = random.below(100);
  if (length_draw < 6) {
    given_length = 1;
  } else if (length_draw < 9 && !two_syllable_surname) {
    given_length = 3;
  }
  customer.name = std::string(surname.hangul);
  std::vector<std::string_view> given_roman;
  if (given_length == 2 && random.chance(7'500)) {
    const auto& names = birth_year >= 1990 ? std::span<const GivenName>(kGivenNamesSince1990)
                        : birth_year >= 1960 ? std::span<const GivenName>(kGivenNames1960To1989)
                                             : std::span<const GivenName>(kGivenNamesBefore1960);
    for (const Syllable& syllable : names[random.below(static_cast<std::uint32_t>(names.size()))]) {
      customer.name += syllable.hangul;
      given_roman.push_back(syllable.roman);
    }
    given_length = 0;  // done
  }
  for (std::size_t index = 0; index < given_length; ++index) {
    const bool classic = birth_year < 1965 && index + 1 == given_length && random.chance(4'000);
    const Syllable& syllable = classic ? kClassicSyllables[random.below(kClassicSyllables.size())]
                                       : kModernSyllables[random.below(kModernSyllables.size())];
    customer.name += syllable.hangul;
    given_roman.push_back(syllable.roman);
  }

  const std::uint32_t status_draw = random.below(10'000);
  customer.status = status_draw < 300   ? domain::CustomerStatus::Withdrawn
                    : status_draw < 400 ? domain::CustomerStatus::Banned
                                        : domain::CustomerStatus::Active;
  const std::uint32_t role_draw = random.below(10'000);
  customer.role = role_draw < 50 ? domain::Role::Admin : role_draw < 100 ? domain::Role::Guest : domain::Role::User;

  // Contacts: 0.2% unreachable, some with only one channel. The e-mail ends in the user id, which
  // makes it unique (the romanised part before it never ends in a digit).
  const std::uint32_t contact_draw = random.below(10'000);
  const bool has_email = contact_draw >= 20 && (contact_draw < 420 || contact_draw >= 720);
  const bool has_phone = contact_draw >= 420;
  if (has_email) {
    std::string email = romanised_local_part(random, surname.roman, given_roman);
    append_padded(email, user_id, 0);
    email.push_back('@');
    email += pick(random, kMailDomains);
    customer.email = std::move(email);
  }
  if (has_phone) customer.phone = make_phone(user_id);

  const PlanChoice* plan = nullptr;
  if (!random.chance(200)) {
    plan = &pick_plan(random, military);
    customer.plan_code = plan->code;
  }
  if (!welfare_codes_.empty() && random.chance(1'500)) {
    customer.welfare_code = welfare_codes_[random.below(static_cast<std::uint32_t>(welfare_codes_.size()))];
  }

  // Send day: 30% any day; of the rest half pick a round day, half any day 1-31 (29-31 included,
  // which short months must handle).
  if (!random.chance(3'000)) {
    static constexpr std::array<int, 6> kRoundDays{1, 5, 10, 15, 20, 25};
    customer.send_day = random.chance(5'000) ? kRoundDays[random.below(kRoundDays.size())]
                                             : static_cast<int>(random.between(1, 31));
  }
  if (!random.chance(4'000)) {
    QuietWindow window{};
    if (random.chance(1'000)) {
      window.from = static_cast<int>(random.between(0, 23));
      window.to = static_cast<int>((window.from + random.between(1, 12)) % 24);
    } else {
      window = pick(random, kQuietWindows);
    }
    customer.quiet_from = window.from;
    customer.quiet_to = window.to;
  }

  static constexpr std::array<Weighted<int>, 4> kContractCounts{{{0, 40}, {1, 35}, {2, 17}, {3, 8}}};
  const int contract_count = pick(random, kContractCounts);
  for (int index = 0; index < contract_count; ++index) {
    customer.contracts.push_back(make_contract(random, month, index == 0));
  }
  std::sort(customer.contracts.begin(), customer.contracts.end(),
            [](const auto& left, const auto& right) { return std::tie(left.start, left.end) < std::tie(right.start, right.end); });

  if (military) customer.military = make_military(random, month);

  // Add-ons: distinct codes, sometimes one the plan already includes (billed at zero).
  static constexpr std::array<Weighted<int>, 8> kAddOnCounts{
      {{0, 34}, {1, 24}, {2, 15}, {3, 10}, {4, 7}, {5, 5}, {6, 3}, {7, 2}}};
  const std::size_t add_on_count = std::min<std::size_t>(pick(random, kAddOnCounts), add_on_codes_.size());
  std::vector<std::string_view> chosen;
  if (add_on_count > 0 && plan != nullptr && !plan->included_add_ons.empty() && random.chance(3'500)) {
    chosen.push_back(plan->included_add_ons[random.below(static_cast<std::uint32_t>(plan->included_add_ons.size()))]);
  }
  while (chosen.size() < add_on_count) {
    std::string_view code = add_on_codes_[random.below(static_cast<std::uint32_t>(add_on_codes_.size()))];
    if (std::find(chosen.begin(), chosen.end(), code) == chosen.end()) chosen.push_back(code);
  }
  for (std::string_view code : chosen) customer.add_ons.push_back(make_add_on(random, month, std::string(code)));

  // Usage for the month before and the month itself; the two are correlated, as for real people.
  const std::int64_t current = heavy_tailed_megabytes(random);
  const std::int64_t previous = random.chance(2'000) ? heavy_tailed_megabytes(random) : current * random.between(60, 140) / 100;
  customer.usage.push_back({add_months(month, -1), previous});
  customer.usage.push_back({month, current});
  return customer;
}

}  // namespace tr1l::ingest
