#include "ingest/csv_import.h"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"
#include "ingest/default_catalog.h"
#include "ingest/ingest_test_support.h"
#include "ingest/seed_output.h"

namespace tr1l::ingest {
namespace {

using domain::Date;
using domain::UserId;
using testing::MemoryCustomerStore;
using testing::ScratchDirectory;
using testing::TestKeyRing;

const std::string kCustomersHeader =
    "user_id,name,birth_date,email,phone,plan_code,welfare_code,status,role,send_day,quiet_from,quiet_to\n";

struct Reject {
  std::string file;
  std::size_t line = 0;
  std::string field;
  std::string reason;
};

class CsvImport : public ::testing::Test {
 protected:
  ImportReport run() { return import_directory(directory.path(), default_catalog(), cipher, store, rejects); }

  std::vector<Reject> reject_rows() const {
    std::vector<Reject> rows;
    const auto records = csv::parse_all(reject_output.str());
    EXPECT_FALSE(records.empty());
    EXPECT_EQ(records.front().fields, (std::vector<std::string>{"file", "line", "field", "reason"}));
    for (std::size_t index = 1; index < records.size(); ++index) {
      const auto& fields = records[index].fields;
      EXPECT_EQ(fields.size(), 4U);
      rows.push_back({fields[0], std::stoul(fields[1]), fields[2], fields[3]});
    }
    return rows;
  }

  std::optional<Reject> find_reject(const std::string& file, std::size_t line) const {
    for (const auto& reject : reject_rows()) {
      if (reject.file == file && reject.line == line) return reject;
    }
    return std::nullopt;
  }

  // Asserts that `file` line `line` was rejected on `field` with a reason containing `reason`.
  void expect_reject(const std::string& file, std::size_t line, const std::string& field, const std::string& reason) {
    const std::optional<Reject> reject = find_reject(file, line);
    ASSERT_TRUE(reject) << file << " line " << line << " was not rejected";
    EXPECT_EQ(reject->field, field) << file << " line " << line << ": " << reject->reason;
    EXPECT_NE(reject->reason.find(reason), std::string::npos)
        << file << " line " << line << ": reason '" << reject->reason << "' lacks '" << reason << "'";
  }

  std::optional<std::string> email_of(UserId id) const {
    const auto& customer = store.tables.customers.at(id);
    if (!customer.email_ciphertext) return std::nullopt;
    return cipher.decrypt(*customer.email_ciphertext, {"customer", "email", std::to_string(id)});
  }
  std::optional<std::string> phone_of(UserId id) const {
    const auto& customer = store.tables.customers.at(id);
    if (!customer.phone_ciphertext) return std::nullopt;
    return cipher.decrypt(*customer.phone_ciphertext, {"customer", "phone", std::to_string(id)});
  }

  void store_customer(UserId id) {
    ports::StoredCustomer customer;
    customer.user_id = id;
    customer.name = "기존고객";
    customer.birth_date = {1980, 1, 1};
    store.tables.customers.emplace(id, customer);
  }

  TestKeyRing keys;
  crypto::PiiCipher cipher{keys};
  MemoryCustomerStore store;
  ScratchDirectory directory;
  std::ostringstream reject_output;
  RejectWriter rejects{reject_output};
};

TEST_F(CsvImport, GoodAndBadRowsOfEveryKind) {
  // Already stored: customer 100 (re-exported below, so a duplicate) and customer 200 (not in
  // this export; its military row and September usage are stored too).
  store_customer(100);
  store_customer(200);
  store.tables.military.emplace(200, domain::MilitaryService{{2024, 1, 1}, std::nullopt});
  store.tables.usage.emplace(std::pair<UserId, std::string>{200, "2026-09"}, 10);

  directory.write("customers.csv",
                  kCustomersHeader +                                                                          // 1
                      "1,김민준,1990-05-17,Min.Jun@Naver.COM,010-1234-5678,PLN-043,WLF-03,ACTIVE,USER,31,22,7\n"  // 2
                      "2,이서연,1985-02-28,,01098765432,PLN-002,,ACTIVE,USER,,,\n"                            // 3
                      "3,박지호,1970-01-01,jiho@daum.net,,,,WITHDRAWN,ADMIN,1,9,18\n"                         // 4
                      "abc,최유진,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,,\n"                        // 5
                      "0,최유진,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,,\n"                          // 6
                      "1,김민준,1990-05-17,,010-1234-5678,PLN-043,,ACTIVE,USER,,,\n"                          // 7
                      "5,,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,,\n"                                // 8
                      "6,정하은,1990-02-30,,010-1111-2222,PLN-002,,ACTIVE,USER,,,\n"                          // 9
                      "7,강도윤,1990-01-01,doyun.kang.private,,PLN-002,,ACTIVE,USER,,,\n"                     // 10
                      "8,조서준,1990-01-01,,010-12-34,PLN-002,,ACTIVE,USER,,,\n"                              // 11
                      "9,윤지우,1990-01-01,,010-1111-2222,PLN-999,,ACTIVE,USER,,,\n"                          // 12
                      "10,장하윤,1990-01-01,,010-1111-2222,PLN-002,WLF-09,ACTIVE,USER,,,\n"                   // 13
                      "11,임서현,1990-01-01,,010-1111-2222,PLN-002,,SLEEPING,USER,,,\n"                       // 14
                      "12,한지민,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,ROOT,,,\n"                         // 15
                      "13,오예준,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,32,,\n"                       // 16
                      "14,서지안,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,24,7\n"                      // 17
                      "15,신하준,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,7,7\n"                       // 18
                      "16,권수아,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER,,22,\n"                       // 19
                      "17,황도현,1990-01-01,,010-1111-2222,PLN-002,,ACTIVE,USER\n"                            // 20
                      "100,기존고객,1980-01-01,,,PLN-002,,ACTIVE,USER,,,\n"                                    // 21
                      "18,\"Kim, Minjun\",1991-03-04,kim@kakao.com,,PLN-005,,BANNED,GUEST,29,23,8\n"           // 22
                      "19,안시우,1990-01-01,,,PLN-002,,ACTIVE,USER,,,\n");                                     // 23
  directory.write("contracts.csv",
                  "user_id,start_date,end_date\n"       // 1
                  "1,2025-01-15,2027-01-15\n"           // 2
                  "1,2026-02-01,2026-01-01\n"           // 3
                  "1,2026-13-01,2027-01-01\n"           // 4
                  "99,2025-01-01,2026-01-01\n"          // 5
                  "9,2025-01-01,2026-01-01\n"           // 6
                  "100,2025-01-01,2026-01-01\n"         // 7
                  "200,2025-01-01,2026-01-01\n"         // 8
                  "17,2025-01-01,2026-01-01\n"          // 9
                  "1,2025-01-01,\n");                   // 10
  directory.write("addons.csv",
                  "user_id,option_code,start_date,end_date\n"  // 1
                  "1,OPT-0003,2026-01-01,2026-12-31\n"         // 2
                  "1,OPT-9999,2026-01-01,2026-12-31\n"         // 3
                  "2,,2026-01-01,2026-12-31\n"                 // 4
                  "2,OPT-0006,2026-05-01,2026-04-30\n"         // 5
                  "x1,OPT-0006,2026-05-01,2026-06-30\n");      // 6
  directory.write("military.csv",
                  "user_id,start_date,end_date\n"  // 1
                  "1,2025-06-01,\n"                // 2
                  "1,2025-06-01,2026-12-01\n"      // 3
                  "200,2024-01-01,2025-07-01\n"    // 4
                  "2,2025-01-01,2024-12-31\n"      // 5
                  "3,2025-01-01,2026-06-30\n");    // 6
  directory.write("usage.csv",
                  "user_id,month,used_mb\n"  // 1
                  "1,2026-10,3800\n"         // 2
                  "1,2026-10,100\n"          // 3
                  "2,2026-10,-5\n"           // 4
                  "2,2026/10,5\n"            // 5
                  "2,2026-09,1.5\n"          // 6
                  "200,2026-09,10\n"         // 7
                  "200,2026-10,10\n"         // 8
                  "3,2026-10,0\n"            // 9
                  "5,2026-10,0\n");          // 10

  const ImportReport report = run();

  expect_reject("customers.csv", 5, "user_id", "user_id 'abc' is not a positive 64-bit integer");
  expect_reject("customers.csv", 6, "user_id", "user_id '0' is not a positive 64-bit integer");
  expect_reject("customers.csv", 7, "user_id", "duplicate user_id 1 (already on line 2)");
  expect_reject("customers.csv", 8, "name", "name is empty");
  expect_reject("customers.csv", 9, "birth_date", "birth_date '1990-02-30' is not a valid date");
  expect_reject("customers.csv", 10, "email", "");
  expect_reject("customers.csv", 11, "phone", "");
  expect_reject("customers.csv", 12, "plan_code", "unknown plan code PLN-999");
  expect_reject("customers.csv", 13, "welfare_code", "unknown welfare code WLF-09");
  expect_reject("customers.csv", 14, "status", "status 'SLEEPING' is not ACTIVE, WITHDRAWN or BANNED");
  expect_reject("customers.csv", 15, "role", "role 'ROOT' is not USER, ADMIN or GUEST");
  expect_reject("customers.csv", 16, "send_day", "send_day '32' is not a day 1-31");
  expect_reject("customers.csv", 17, "quiet_from", "quiet_from '24' is not an hour 0-23");
  expect_reject("customers.csv", 18, "quiet_to", "quiet_from and quiet_to are both 7");
  expect_reject("customers.csv", 19, "quiet_to", "quiet_from is set but quiet_to is empty");
  expect_reject("customers.csv", 20, "", "expected 12 fields as in the header, found 9");
  expect_reject("customers.csv", 21, "user_id", "user_id 100 is already in the database");

  expect_reject("contracts.csv", 3, "end_date", "end_date 2026-01-01 is before start_date 2026-02-01");
  expect_reject("contracts.csv", 4, "start_date", "start_date '2026-13-01' is not a valid date");
  expect_reject("contracts.csv", 5, "user_id", "unknown user_id 99");
  expect_reject("contracts.csv", 6, "user_id", "customer 9 was rejected (customers.csv line 12)");
  expect_reject("contracts.csv", 7, "user_id", "customer 100 was rejected (customers.csv line 21)");
  expect_reject("contracts.csv", 9, "user_id", "customer 17 was rejected (customers.csv line 20)");
  expect_reject("contracts.csv", 10, "end_date", "end_date is empty");

  expect_reject("addons.csv", 3, "option_code", "unknown option code OPT-9999");
  expect_reject("addons.csv", 4, "option_code", "option_code is empty");
  expect_reject("addons.csv", 5, "end_date", "end_date 2026-04-30 is before start_date 2026-05-01");
  expect_reject("addons.csv", 6, "user_id", "user_id 'x1' is not a positive 64-bit integer");

  expect_reject("military.csv", 3, "user_id", "user_id 1 already has a military service row (line 2)");
  expect_reject("military.csv", 4, "user_id", "user_id 200 already has military service in the database");
  expect_reject("military.csv", 5, "end_date", "end_date 2024-12-31 is before start_date 2025-01-01");

  expect_reject("usage.csv", 3, "month", "usage of user_id 1 for 2026-10 is already on line 2");
  expect_reject("usage.csv", 4, "used_mb", "used_mb -5 is negative");
  expect_reject("usage.csv", 5, "month", "month '2026/10' is not a month (YYYY-MM)");
  expect_reject("usage.csv", 6, "used_mb", "used_mb '1.5' is not a whole number of megabytes");
  expect_reject("usage.csv", 7, "month", "usage of user_id 200 for 2026-09 is already in the database");
  expect_reject("usage.csv", 10, "user_id", "customer 5 was rejected (customers.csv line 8)");

  // Exactly those rows were rejected, and every other row was loaded.
  EXPECT_EQ(reject_rows().size(), 17U + 7U + 4U + 3U + 6U);
  EXPECT_EQ(rejects.count(), static_cast<std::int64_t>(reject_rows().size()));
  const auto expect_counts = [&](const char* file, std::int64_t loaded, std::int64_t rejected) {
    const FileImportReport* entry = report.file(file);
    ASSERT_NE(entry, nullptr);
    EXPECT_TRUE(entry->present);
    EXPECT_EQ(entry->loaded, loaded) << file;
    EXPECT_EQ(entry->rejected, rejected) << file;
  };
  expect_counts("customers.csv", 5, 17);
  expect_counts("contracts.csv", 2, 7);
  expect_counts("addons.csv", 1, 4);
  expect_counts("military.csv", 2, 3);
  expect_counts("usage.csv", 3, 6);
  EXPECT_EQ(report.loaded(), 13);
  EXPECT_EQ(report.rejected(), 37);

  ASSERT_EQ(store.tables.customers.size(), 2U + 5U);
  for (UserId id : {1, 2, 3, 18, 19, 100, 200}) EXPECT_TRUE(store.tables.customers.contains(id)) << id;

  const auto& first = store.tables.customers.at(1);
  EXPECT_EQ(first.name, "김민준");
  EXPECT_EQ(first.birth_date, (Date{1990, 5, 17}));
  EXPECT_EQ(email_of(1), "Min.Jun@naver.com");  // domain lower-cased by normalisation
  EXPECT_EQ(phone_of(1), "010-1234-5678");
  EXPECT_EQ(first.email_index, cipher.blind_index("email", "Min.Jun@naver.com"));
  EXPECT_EQ(first.phone_index, cipher.blind_index("phone", "010-1234-5678"));
  EXPECT_EQ(first.plan_code, "PLN-043");
  EXPECT_EQ(first.welfare_code, "WLF-03");
  EXPECT_EQ(first.status, domain::CustomerStatus::Active);
  EXPECT_EQ(first.role, domain::Role::User);
  EXPECT_EQ(first.send_day, 31);
  EXPECT_EQ(first.quiet_from, 22);
  EXPECT_EQ(first.quiet_to, 7);

  const auto& second = store.tables.customers.at(2);
  EXPECT_FALSE(second.email_ciphertext);
  EXPECT_FALSE(second.email_index);
  EXPECT_EQ(phone_of(2), "010-9876-5432");
  EXPECT_FALSE(second.welfare_code);
  EXPECT_FALSE(second.send_day);
  EXPECT_FALSE(second.quiet_from);

  const auto& third = store.tables.customers.at(3);
  EXPECT_FALSE(third.plan_code);
  EXPECT_FALSE(third.phone_ciphertext);
  EXPECT_EQ(third.status, domain::CustomerStatus::Withdrawn);
  EXPECT_EQ(third.role, domain::Role::Admin);

  const auto& quoted = store.tables.customers.at(18);
  EXPECT_EQ(quoted.name, "Kim, Minjun");
  EXPECT_EQ(quoted.status, domain::CustomerStatus::Banned);
  EXPECT_EQ(quoted.role, domain::Role::Guest);
  EXPECT_EQ(quoted.send_day, 29);

  ASSERT_EQ(store.tables.contracts.size(), 2U);
  EXPECT_EQ(store.tables.contracts[0].user_id, 1);
  EXPECT_EQ(store.tables.contracts[0].term.start, (Date{2025, 1, 15}));
  EXPECT_EQ(store.tables.contracts[0].term.end, (Date{2027, 1, 15}));
  EXPECT_EQ(store.tables.contracts[1].user_id, 200);
  ASSERT_EQ(store.tables.add_ons.size(), 1U);
  EXPECT_EQ(store.tables.add_ons[0].subscription.add_on_code, "OPT-0003");
  ASSERT_EQ(store.tables.military.size(), 3U);
  EXPECT_FALSE(store.tables.military.at(1).end);
  EXPECT_EQ(store.tables.military.at(3).end, (Date{2026, 6, 30}));
  EXPECT_EQ(store.tables.usage.size(), 4U);
  EXPECT_EQ((store.tables.usage.at({1, "2026-10"})), 3800);
  EXPECT_EQ((store.tables.usage.at({3, "2026-10"})), 0);
}

TEST_F(CsvImport, RejectReasonsNeverCarryTheFullContact) {
  directory.write("customers.csv", kCustomersHeader +
                                       "1,김민준,1990-05-17,minjun.secret.address@@naver.com,,,,ACTIVE,USER,,,\n"
                                       "2,이서연,1985-02-28,,010-9876-54321,,,ACTIVE,USER,,,\n"
                                       "3,박지호,1970-01-01,,,hidden.person@naver.com,,ACTIVE,USER,,,\n");
  run();
  ASSERT_EQ(rejects.count(), 3);
  const std::string text = reject_output.str();
  EXPECT_EQ(text.find("minjun.secret.address"), std::string::npos) << text;
  EXPECT_EQ(text.find("9876-54321"), std::string::npos) << text;
  EXPECT_EQ(text.find("98765432"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden.person"), std::string::npos) << text;
  expect_reject("customers.csv", 2, "email", "");
  expect_reject("customers.csv", 3, "phone", "");
  expect_reject("customers.csv", 4, "plan_code", "unknown plan code");
}

TEST_F(CsvImport, ByteOrderMarkCrlfQuotesAndMultiLineRecords) {
  directory.write("customers.csv",
                  "\xEF\xBB\xBF" + std::string("user_id,name,birth_date,email,phone,plan_code,welfare_code,status,role,"
                                               "send_day,quiet_from,quiet_to\r\n") +
                      "1,\"Park, \"\"Jay\"\" Jiho\",1990-05-17,jay@gmail.com,,\"PLN-002\",,ACTIVE,USER,,,\r\n"  // 2
                      "2,\"두 줄\r\n이름\",1990-05-17,,,PLN-002,,ACTIVE,USER,,,\r\n"                          // 3-4
                      "3,이서연,1985-02-30,,,PLN-002,,ACTIVE,USER,,,\r\n"                                       // 5
                      "\r\n"                                                                                   // 6
                      "4,최유진,1985-02-28,,,PLN-002,,ACTIVE,USER,,,\r\n");                                     // 7
  const ImportReport report = run();
  EXPECT_EQ(report.file("customers.csv")->loaded, 2);
  ASSERT_TRUE(store.tables.customers.contains(1));
  EXPECT_EQ(store.tables.customers.at(1).name, "Park, \"Jay\" Jiho");
  EXPECT_EQ(store.tables.customers.at(1).plan_code, "PLN-002");
  EXPECT_EQ(email_of(1), "jay@gmail.com");
  EXPECT_TRUE(store.tables.customers.contains(4));
  expect_reject("customers.csv", 3, "name", "name contains a line break");
  expect_reject("customers.csv", 5, "birth_date", "birth_date '1985-02-30' is not a valid date");
}

TEST_F(CsvImport, ColumnsAreFoundByHeaderNameAndExtraColumnsIgnored) {
  directory.write("customers.csv",
                  "Name,User_ID,note,status,role,birth_date,plan_code,welfare_code,email,phone,send_day,quiet_to,"
                  "quiet_from\n"
                  "김민준,7,VIP,ACTIVE,USER,1990-05-17,PLN-002,,,010-1234-5678,15,7,22\n");
  directory.write("usage.csv", "used_mb,user_id,month\n512,7,2026-10\n");
  const ImportReport report = run();
  EXPECT_EQ(report.rejected(), 0) << reject_output.str();
  ASSERT_TRUE(store.tables.customers.contains(7));
  const auto& customer = store.tables.customers.at(7);
  EXPECT_EQ(customer.name, "김민준");
  EXPECT_EQ(customer.send_day, 15);
  EXPECT_EQ(customer.quiet_from, 22);
  EXPECT_EQ(customer.quiet_to, 7);
  EXPECT_EQ((store.tables.usage.at({7, "2026-10"})), 512);
}

TEST_F(CsvImport, MissingOptionalFilesAreReportedNotFatal) {
  directory.write("customers.csv", kCustomersHeader + "1,김민준,1990-05-17,,010-1234-5678,PLN-002,,ACTIVE,USER,,,\n");
  directory.write("usage.csv", "user_id,month,used_mb\n1,2026-10,100\n");
  const ImportReport report = run();
  ASSERT_EQ(report.files.size(), 5U);
  EXPECT_TRUE(report.file("customers.csv")->present);
  EXPECT_FALSE(report.file("contracts.csv")->present);
  EXPECT_FALSE(report.file("addons.csv")->present);
  EXPECT_FALSE(report.file("military.csv")->present);
  EXPECT_TRUE(report.file("usage.csv")->present);
  EXPECT_EQ(report.loaded(), 2);
  EXPECT_EQ(report.rejected(), 0);
  EXPECT_EQ(reject_output.str(), "file,line,field,reason\n");
}

TEST_F(CsvImport, MissingRequiredColumnIsFatalBeforeAnythingLoads) {
  directory.write("customers.csv", kCustomersHeader + "1,김민준,1990-05-17,,010-1234-5678,PLN-002,,ACTIVE,USER,,,\n");
  directory.write("contracts.csv", "user_id,start_date\n1,2025-01-01\n");
  try {
    run();
    FAIL() << "expected ImportError";
  } catch (const ImportError& error) {
    EXPECT_NE(std::string(error.what()).find("contracts.csv"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("end_date"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(store.tables.customers.empty());
  EXPECT_EQ(store.flushes, 0);
}

TEST_F(CsvImport, MissingOrEmptyCustomersFileIsFatal) {
  EXPECT_THROW(run(), ImportError);
  directory.write("customers.csv", "");
  EXPECT_THROW(run(), ImportError);
  directory.write("customers.csv", "user_id,name\n1,김민준\n");
  EXPECT_THROW(run(), ImportError);
}

TEST_F(CsvImport, UnterminatedQuoteRejectsTheRestOfThatFileOnly) {
  directory.write("customers.csv", kCustomersHeader +
                                       "1,김민준,1990-05-17,,010-1234-5678,PLN-002,,ACTIVE,USER,,,\n"
                                       "2,\"이서연,1985-02-28,,,PLN-002,,ACTIVE,USER,,,\n"
                                       "3,박지호,1970-01-01,,,PLN-002,,ACTIVE,USER,,,\n");
  directory.write("usage.csv", "user_id,month,used_mb\n1,2026-10,100\n");
  const ImportReport report = run();
  EXPECT_EQ(report.file("customers.csv")->loaded, 1);
  EXPECT_EQ(report.file("customers.csv")->rejected, 1);
  EXPECT_EQ(report.file("usage.csv")->loaded, 1);
  expect_reject("customers.csv", 3, "", "unterminated quoted field");
}

TEST_F(CsvImport, LargeFilesAreLoadedInBatches) {
  std::string customers = kCustomersHeader;
  std::string usage = "user_id,month,used_mb\n";
  const int count = static_cast<int>(kImportBatchRows) * 2 + 17;
  for (int id = 1; id <= count; ++id) {
    customers += std::to_string(id) + ",김민준,1990-05-17,,,PLN-002,,ACTIVE,USER,,,\n";
    usage += std::to_string(id) + ",2026-10," + std::to_string(id % 5000) + "\n";
  }
  directory.write("customers.csv", customers);
  directory.write("usage.csv", usage);
  const ImportReport report = run();
  EXPECT_EQ(report.loaded(), 2 * count);
  EXPECT_EQ(store.tables.customers.size(), static_cast<std::size_t>(count));
  EXPECT_GE(store.flushes, 6);
}

TEST_F(CsvImport, ReimportingTheSameDirectoryAddsNothing) {
  const SeedOptions options{300, {2026, 10}, 5};
  write_seed_csv(options, directory.path());
  const ImportReport first = run();
  EXPECT_EQ(first.rejected(), 0);
  const std::size_t contracts = store.tables.contracts.size();
  const std::size_t add_ons = store.tables.add_ons.size();

  std::ostringstream second_output;
  RejectWriter second_rejects(second_output);
  const ImportReport second = import_directory(directory.path(), default_catalog(), cipher, store, second_rejects);
  EXPECT_EQ(second.loaded(), 0);
  EXPECT_EQ(second.rejected(), first.loaded());
  EXPECT_EQ(store.tables.contracts.size(), contracts);
  EXPECT_EQ(store.tables.add_ons.size(), add_ons);
}

// Everything the store holds, with contacts decrypted, as text: equal text means equal data.
std::vector<std::string> plaintext_rows(const MemoryCustomerStore& store, const crypto::PiiCipher& cipher) {
  std::vector<std::string> rows;
  auto text = [](const std::optional<std::string>& value) { return value.value_or("-"); };
  auto number = [](const std::optional<int>& value) { return value ? std::to_string(*value) : "-"; };
  for (const auto& [id, customer] : store.tables.customers) {
    const std::string key = std::to_string(id);
    std::optional<std::string> email;
    std::optional<std::string> phone;
    if (customer.email_ciphertext) email = cipher.decrypt(*customer.email_ciphertext, {"customer", "email", key});
    if (customer.phone_ciphertext) phone = cipher.decrypt(*customer.phone_ciphertext, {"customer", "phone", key});
    EXPECT_EQ(customer.email_index.has_value(), email.has_value());
    EXPECT_EQ(customer.phone_index.has_value(), phone.has_value());
    if (email) {
      EXPECT_EQ(customer.email_index, cipher.blind_index("email", *email));
    }
    if (phone) {
      EXPECT_EQ(customer.phone_index, cipher.blind_index("phone", *phone));
    }
    rows.push_back("customer " + key + " " + customer.name + " " + customer.birth_date.to_string() + " " + text(email) +
                   " " + text(phone) + " " + text(customer.plan_code) + " " + text(customer.welfare_code) + " " +
                   std::string(domain::to_string(customer.status)) + " " + std::string(domain::to_string(customer.role)) +
                   " " + number(customer.send_day) + " " + number(customer.quiet_from) + " " + number(customer.quiet_to));
  }
  for (const auto& row : store.tables.contracts) {
    rows.push_back("contract " + std::to_string(row.user_id) + " " + row.term.start.to_string() + " " +
                   row.term.end.to_string());
  }
  for (const auto& row : store.tables.add_ons) {
    rows.push_back("add-on " + std::to_string(row.user_id) + " " + row.subscription.add_on_code + " " +
                   row.subscription.start.to_string() + " " + row.subscription.end.to_string());
  }
  for (const auto& [id, service] : store.tables.military) {
    rows.push_back("military " + std::to_string(id) + " " + service.start.to_string() + " " +
                   (service.end ? service.end->to_string() : "-"));
  }
  for (const auto& [key, used] : store.tables.usage) {
    rows.push_back("usage " + std::to_string(key.first) + " " + key.second + " " + std::to_string(used));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST_F(CsvImport, SeedCsvRoundTripEqualsDirectSeedLoad) {
  const SeedOptions options{3'000, {2026, 10}, 77};
  const SeedSummary written = write_seed_csv(options, directory.path());
  for (const char* file : {"customers.csv", "contracts.csv", "addons.csv", "military.csv", "usage.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(directory.path() / file)) << file;
    EXPECT_FALSE(std::filesystem::exists(directory.path() / (std::string(file) + ".partial"))) << file;
  }

  const ImportReport report = run();
  EXPECT_EQ(report.rejected(), 0) << reject_output.str().substr(0, 2000);
  EXPECT_EQ(report.file("customers.csv")->loaded, written.customers);
  EXPECT_EQ(report.file("contracts.csv")->loaded, written.contracts);
  EXPECT_EQ(report.file("addons.csv")->loaded, written.add_ons);
  EXPECT_EQ(report.file("military.csv")->loaded, written.military);
  EXPECT_EQ(report.file("usage.csv")->loaded, written.usage);
  EXPECT_EQ(written.customers, 3'000);
  EXPECT_EQ(written.usage, 6'000);

  // Decrypted contacts equal the generated ones.
  const SeedGenerator generator(options);
  for (UserId id = 1; id <= options.users; ++id) {
    const SeedCustomer customer = generator.customer(id);
    ASSERT_EQ(email_of(id), customer.email) << id;
    ASSERT_EQ(phone_of(id), customer.phone) << id;
  }

  // Seeding straight into a store gives the same plaintext as CSV then import.
  MemoryCustomerStore seeded;
  std::vector<std::int64_t> progress;
  const SeedSummary loaded = load_seed(options, cipher, seeded, [&](const LoadProgress& step) {
    EXPECT_EQ(step.phase, "seed");
    EXPECT_EQ(step.total, 3'000);
    progress.push_back(step.done);
  });
  EXPECT_EQ(loaded.customers, written.customers);
  EXPECT_EQ(loaded.contracts, written.contracts);
  EXPECT_EQ(loaded.add_ons, written.add_ons);
  EXPECT_EQ(loaded.military, written.military);
  EXPECT_EQ(loaded.usage, written.usage);
  EXPECT_EQ(progress.back(), 3'000);
  EXPECT_EQ(plaintext_rows(seeded, cipher), plaintext_rows(store, cipher));
}

TEST(SeedLoad, FlushesInBatchesInIdOrderAndRefusesAFilledStore) {
  TestKeyRing keys;
  crypto::PiiCipher cipher(keys);
  MemoryCustomerStore store;
  const SeedOptions options{kSeedBatchCustomers * 3 + 5, {2026, 10}, 11};
  std::vector<std::int64_t> progress;
  load_seed(options, cipher, store, [&](const LoadProgress& step) { progress.push_back(step.done); });
  EXPECT_EQ(store.flushes, 4);
  EXPECT_EQ(progress, (std::vector<std::int64_t>{kSeedBatchCustomers, 2 * kSeedBatchCustomers,
                                                 3 * kSeedBatchCustomers, options.users}));
  EXPECT_EQ(store.count_customers(), options.users);
  EXPECT_EQ(store.tables.usage.size(), static_cast<std::size_t>(2 * options.users));
  EXPECT_THROW(load_seed(options, cipher, store), SeedError);
}

TEST(SeedCsv, ProducesTheSpecHeadersAndPlaintextContacts) {
  ScratchDirectory directory;
  write_seed_csv({20, {2026, 10}, 3}, directory.path());
  auto first_line = [&](const char* file) {
    const std::string text = directory.read(file);
    return text.substr(0, text.find('\n'));
  };
  EXPECT_EQ(first_line("customers.csv") + "\n", kCustomersHeader);
  EXPECT_EQ(first_line("contracts.csv"), "user_id,start_date,end_date");
  EXPECT_EQ(first_line("addons.csv"), "user_id,option_code,start_date,end_date");
  EXPECT_EQ(first_line("military.csv"), "user_id,start_date,end_date");
  EXPECT_EQ(first_line("usage.csv"), "user_id,month,used_mb");
  const auto records = csv::parse_all(directory.read("customers.csv"));
  ASSERT_EQ(records.size(), 21U);
  const SeedCustomer first = SeedGenerator({20, {2026, 10}, 3}).customer(1);
  EXPECT_EQ(records[1].fields[0], "1");
  EXPECT_EQ(records[1].fields[1], first.name);
  EXPECT_EQ(records[1].fields[3], first.email.value_or(""));
  EXPECT_EQ(records[1].fields[4], first.phone.value_or(""));
}

TEST(RejectWriter, WritesHeaderQuotesFieldsAndCounts) {
  std::ostringstream output;
  RejectWriter writer(output);
  EXPECT_EQ(writer.count(), 0);
  writer.reject("customers.csv", 7, "name", "name is empty");
  writer.reject("usage.csv", 12, "", "expected 3 fields, found 2, \"really\"");
  EXPECT_EQ(writer.count(), 2);
  EXPECT_EQ(output.str(),
            "file,line,field,reason\n"
            "customers.csv,7,name,name is empty\n"
            "usage.csv,12,,\"expected 3 fields, found 2, \"\"really\"\"\"\n");
}

}  // namespace
}  // namespace tr1l::ingest
