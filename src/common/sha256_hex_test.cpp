#include "common/sha256_hex.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tr1l::common {
namespace {

// FIPS 180-2 examples.
TEST(Sha256Hex, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hex, BytesAreHashedAsGivenIncludingNul) {
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("ab"));
}

// Delivery's sender threads verify documents concurrently with one shared algorithm handle.
TEST(Sha256Hex, IsSafeToCallFromManyThreads) {
  const std::string expected = sha256_hex("abc");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (std::size_t index = 0; index < mismatches.size(); ++index) {
    threads.emplace_back([&, index] {
      for (int round = 0; round < 2000; ++round) {
        if (sha256_hex("abc") != expected) ++mismatches[index];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace tr1l::common
