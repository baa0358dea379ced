#include "invoicing/euc_kr.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace tr1l::invoicing {
namespace {

TEST(EucKrLength, AsciiIsOneByteAndHangulTwo) {
  EXPECT_EQ(euc_kr_length(""), 0u);
  EXPECT_EQ(euc_kr_length("TR1L"), 4u);
  EXPECT_EQ(euc_kr_length("김민준"), 6u);
  EXPECT_EQ(euc_kr_length("[TR1L] 김*준님 2026년 10월 청구서"), 33u);
  EXPECT_EQ(euc_kr_length("청구금액 24,731원\n"), 18u);
  EXPECT_EQ(euc_kr_length("010-****-5678"), 13u);
}

TEST(EucKrLength, HanjaAndSymbolsOfKsX1001AreTwoBytes) {
  EXPECT_EQ(euc_kr_length("金"), 2u);
  EXPECT_EQ(euc_kr_length("※"), 2u);
  EXPECT_EQ(euc_kr_length("￦"), 2u);  // the full-width won sign is in KS X 1001
}

TEST(EucKrLength, HangulSyllablesOutsideKsX1001CountAsTwoBytesLikeHandsetsSendThem) {
  // 똠 and 햏 are not among the 2,350 syllables of EUC-KR proper; CP949 (what phones use) has them.
  EXPECT_EQ(euc_kr_length("똠"), 2u);
  EXPECT_EQ(euc_kr_length("햏님"), 4u);
}

TEST(EucKrLength, LongTextsAreCountedWhole) {
  std::string text;
  for (int index = 0; index < 1000; ++index) text += "가a";
  EXPECT_EQ(euc_kr_length(text), 3000u);
}

TEST(EucKrLength, RejectsTextWithoutAnEucKrFormOrThatIsNotUtf8) {
  EXPECT_THROW(euc_kr_length("청구 😀"), std::invalid_argument);
  EXPECT_THROW(euc_kr_length("\xFF"), std::invalid_argument);
  EXPECT_THROW(euc_kr_length("abc\xEC\x9B"), std::invalid_argument);  // truncated sequence
  EXPECT_FALSE(try_euc_kr_length("😀").has_value());
  // A failure leaves no state behind for the next call on the same thread.
  EXPECT_EQ(euc_kr_length("가나"), 4u);
}

TEST(EucKrLength, WorksOnManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::size_t> lengths(4);
  for (std::size_t index = 0; index < lengths.size(); ++index) {
    threads.emplace_back([&lengths, index] {
      std::size_t total = 0;
      for (int repeat = 0; repeat < 200; ++repeat) total += euc_kr_length("김*준님 24,731원");
      lengths[index] = total;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t length : lengths) EXPECT_EQ(length, 200u * 16u);
}

}  // namespace
}  // namespace tr1l::invoicing
