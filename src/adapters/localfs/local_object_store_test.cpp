#include "adapters/localfs/local_object_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/sha256_hex.h"
#include "support/subprocess.h"

namespace tr1l::adapters::localfs {
namespace {

namespace fs = std::filesystem;
using ports::PutRequest;

std::vector<std::string> all_files(const fs::path& root) {
  std::vector<std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  fs::path root() const { return directory_.path() / "invoices"; }

  testing::TemporaryDirectory directory_;
};

TEST_F(LocalObjectStoreTest, RoundTripLaysOutObjectsLikeTheBucket) {
  LocalObjectStore store(root());
  EXPECT_EQ(store.bucket(), "");
  const std::string binary("\x1f\x8b\x08\x00\x00\xff binary", 13);
  const std::vector<PutRequest> requests = {
      {"2026-10/12345/email/bill.gz", binary, "text/html; charset=utf-8", "gzip"},
      {"2026-10/12345/sms/bill.txt", "[TR1L] 10월 청구 49,500원", "text/plain; charset=utf-8", std::nullopt},
      {"2026-10/empty", "", "application/octet-stream", std::nullopt},
  };
  const auto results = store.put_many(requests);
  ASSERT_EQ(results.size(), 3u);
  for (std::size_t index = 0; index < requests.size(); ++index) {
    EXPECT_TRUE(results[index].stored) << results[index].error;
    EXPECT_EQ(results[index].size, static_cast<std::int64_t>(requests[index].body.size()));
    EXPECT_EQ(results[index].sha256_hex, common::sha256_hex(requests[index].body));
    EXPECT_EQ(store.get(requests[index].key), requests[index].body);
  }
  EXPECT_EQ(results[2].sha256_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(all_files(root()), (std::vector<std::string>{"2026-10/12345/email/bill.gz", "2026-10/12345/sms/bill.txt",
                                                         "2026-10/empty"}));
  std::ifstream on_disk(root() / "2026-10/12345/email/bill.gz", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(on_disk), {}), binary);
}

TEST_F(LocalObjectStoreTest, OverwriteReplacesTheObject) {
  LocalObjectStore store(root());
  const std::vector<PutRequest> first = {{"2026-10/1/sms/bill.txt", "first revision, longer body", "text/plain", {}}};
  const std::vector<PutRequest> second = {{"2026-10/1/sms/bill.txt", "second", "text/plain", {}}};
  ASSERT_TRUE(store.put_many(first)[0].stored);
  const auto result = store.put_many(second)[0];
  ASSERT_TRUE(result.stored) << result.error;
  EXPECT_EQ(result.size, 6);
  EXPECT_EQ(store.get("2026-10/1/sms/bill.txt"), "second");
  EXPECT_EQ(all_files(root()).size(), 1u);
}

TEST_F(LocalObjectStoreTest, ManyNestedKeysInParallelLeaveNoTemporaryFiles) {
  LocalObjectStore store(root(), 8);
  std::vector<PutRequest> requests;
  for (int user = 0; user < 150; ++user) {
    requests.push_back({"2026-10/" + std::to_string(user) + "/email/bill.gz", "email " + std::to_string(user),
                        "text/html", "gzip"});
    requests.push_back({"2026-10/" + std::to_string(user) + "/sms/bill.txt", "sms " + std::to_string(user),
                        "text/plain", std::nullopt});
  }
  const auto results = store.put_many(requests);
  for (std::size_t index = 0; index < requests.size(); ++index) {
    ASSERT_TRUE(results[index].stored) << results[index].error;
    EXPECT_EQ(store.get(requests[index].key), requests[index].body);
  }
  const auto files = all_files(root());
  EXPECT_EQ(files.size(), requests.size());
  for (const auto& file : files) EXPECT_EQ(file.find(".tmp-"), std::string::npos) << file;
}

TEST_F(LocalObjectStoreTest, BadKeysAreRefusedPerObjectWithoutTouchingTheDisk) {
  LocalObjectStore store(root());
  fs::create_directories(directory_.path() / "outside");
  const std::vector<std::string> bad_keys = {"", "/etc/passwd", "../outside/escape", "2026-10/../../outside/escape",
                                             "2026-10//bill", "2026-10/bill/", "2026-10/./bill", "a/..",
                                             std::string("nul\0byte", 8), "line\nbreak", std::string(1025, 'k')};
  std::vector<PutRequest> requests;
  for (const auto& key : bad_keys) requests.push_back({key, "x", "text/plain", std::nullopt});
  requests.push_back({"2026-10/good", "fine", "text/plain", std::nullopt});
  const auto results = store.put_many(requests);
  for (std::size_t index = 0; index < bad_keys.size(); ++index) {
    EXPECT_FALSE(results[index].stored) << "key #" << index;
    EXPECT_NE(results[index].error.find("invalid key"), std::string::npos) << results[index].error;
    EXPECT_THROW(store.get(bad_keys[index]), ports::ObjectStoreError);
  }
  EXPECT_TRUE(results.back().stored) << results.back().error;
  EXPECT_EQ(all_files(directory_.path()), (std::vector<std::string>{"invoices/2026-10/good"}));
}

TEST_F(LocalObjectStoreTest, MissingKeyIsObjectNotFound) {
  LocalObjectStore store(root());
  EXPECT_THROW(store.get("2026-10/1/email/bill.gz"), ports::ObjectNotFound);  // root does not even exist yet
  const std::vector<PutRequest> requests = {{"2026-10/1/email/bill.gz", "x", "text/html", "gzip"}};
  ASSERT_TRUE(store.put_many(requests)[0].stored);
  EXPECT_THROW(store.get("2026-10/1/sms/bill.txt"), ports::ObjectNotFound);
  EXPECT_THROW(store.get("2026-10/1"), ports::ObjectNotFound);                   // a prefix, not an object
  EXPECT_THROW(store.get("2026-10/1/email/bill.gz/more"), ports::ObjectNotFound);  // through a file
  try {
    store.get("2026-10/2/sms/bill.txt");
  } catch (const ports::ObjectNotFound& missing) {
    EXPECT_NE(std::string(missing.what()).find("2026-10/2/sms/bill.txt"), std::string::npos) << missing.what();
  }
}

// The store keeps its root directory open for reading; a root removed and made again by the
// next put is the one read from then on.
TEST_F(LocalObjectStoreTest, RootDirectoryRemovedAndMadeAgainServesTheNewObjects) {
  LocalObjectStore store(root());
  const std::vector<PutRequest> before = {{"2026-10/1/sms/bill.txt", "before", "text/plain", {}}};
  const std::vector<PutRequest> after = {{"2026-10/2/sms/bill.txt", "after", "text/plain", {}}};
  ASSERT_TRUE(store.put_many(before)[0].stored);
  ASSERT_EQ(store.get("2026-10/1/sms/bill.txt"), "before");
  fs::remove_all(root());
  EXPECT_THROW(store.get("2026-10/1/sms/bill.txt"), ports::ObjectNotFound);
  ASSERT_TRUE(store.put_many(after)[0].stored);
  EXPECT_EQ(store.get("2026-10/2/sms/bill.txt"), "after");
  EXPECT_THROW(store.get("2026-10/1/sms/bill.txt"), ports::ObjectNotFound);
}

TEST_F(LocalObjectStoreTest, UnwritableDirectoryFailsThatObjectAndCleansUp) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  LocalObjectStore store(root());
  fs::create_directories(root() / "locked");
  fs::permissions(root() / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  const std::vector<PutRequest> requests = {{"locked/bill.txt", "x", "text/plain", std::nullopt},
                                            {"open/bill.txt", "y", "text/plain", std::nullopt}};
  const auto results = store.put_many(requests);
  fs::permissions(root() / "locked", fs::perms::owner_all);
  EXPECT_FALSE(results[0].stored);
  EXPECT_NE(results[0].error.find("locked/bill.txt"), std::string::npos) << results[0].error;
  EXPECT_TRUE(results[1].stored) << results[1].error;
  EXPECT_EQ(all_files(root()), (std::vector<std::string>{"open/bill.txt"}));
}

TEST_F(LocalObjectStoreTest, KeyBlockedByAFileIsAnErrorNotAnException) {
  LocalObjectStore store(root());
  const std::vector<PutRequest> file = {{"2026-10/1", "a file where a directory should be", "text/plain", {}}};
  ASSERT_TRUE(store.put_many(file)[0].stored);
  const std::vector<PutRequest> nested = {{"2026-10/1/sms/bill.txt", "x", "text/plain", {}}};
  const auto result = store.put_many(nested)[0];
  EXPECT_FALSE(result.stored);
  EXPECT_NE(result.error.find("2026-10/1/sms/bill.txt"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace tr1l::adapters::localfs
