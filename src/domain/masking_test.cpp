#include "domain/masking.h"

#include <gtest/gtest.h>

namespace tr1l::domain {
namespace {

const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(MaskName, KeepsFirstAndLastHangulCharacters) {
  EXPECT_EQ(mask_name("김"), "*");
  EXPECT_EQ(mask_name("이준"), "이*");
  EXPECT_EQ(mask_name("김민준"), "김*준");
  EXPECT_EQ(mask_name("남궁민수"), "남**수");
  EXPECT_EQ(mask_name("황보석준호"), "황***호");
}

TEST(MaskName, KeepsFirstAndLastLatinCharacters) {
  EXPECT_EQ(mask_name("A"), "*");
  EXPECT_EQ(mask_name("Al"), "A*");
  EXPECT_EQ(mask_name("Ann"), "A*n");
  EXPECT_EQ(mask_name("John"), "J**n");
  EXPECT_EQ(mask_name("Alice"), "A***e");
  EXPECT_EQ(mask_name("Zoë"), "Z*ë");
  EXPECT_EQ(mask_name("José"), "J**é");
}

TEST(MaskName, EmptyAndBlankNamesStayEmpty) {
  EXPECT_EQ(mask_name(""), "");
  EXPECT_EQ(mask_name("   "), "");
  EXPECT_EQ(mask_name("\t\n"), "");
}

TEST(MaskName, InnerSpacesCountAsCharactersAndOuterSpacesAreTrimmed) {
  EXPECT_EQ(mask_name("John Smith"), "J********h");
  EXPECT_EQ(mask_name("김 민준"), "김**준");
  EXPECT_EQ(mask_name("  김민준  "), "김*준");
  EXPECT_EQ(mask_name(" 이준\t"), "이*");
}

TEST(MaskName, CountsEmojiAndOtherMultiByteCharactersAsOne) {
  EXPECT_EQ(mask_name("😀"), "*");
  EXPECT_EQ(mask_name("😀😁"), "😀*");
  EXPECT_EQ(mask_name("A😀B"), "A*B");
  EXPECT_EQ(mask_name("😀bc😁"), "😀**😁");
  // Man, ZWJ, woman, ZWJ, girl: five code points.
  EXPECT_EQ(mask_name("\U0001F468\u200D\U0001F469\u200D\U0001F467"), "\U0001F468***\U0001F467");
  // 'e' plus a combining acute accent is two code points.
  EXPECT_EQ(mask_name("e\u0301"), "e*");
  EXPECT_EQ(mask_name("名前太郎"), "名**郎");
}

TEST(MaskName, TreatsEachInvalidByteAsOneCharacterAndShowsItAsReplacement) {
  EXPECT_EQ(mask_name("\xFF"), "*");
  EXPECT_EQ(mask_name("\xFF\xFE"), replacement + "*");
  EXPECT_EQ(mask_name("a\xFF" "b"), "a*b");
  EXPECT_EQ(mask_name("\xFF" "bc\xFE"), replacement + "**" + replacement);
  // A truncated three-byte sequence is two invalid bytes.
  EXPECT_EQ(mask_name("\xE3\x81"), replacement + "*");
  EXPECT_EQ(mask_name("김\xEA"), "김*");
  EXPECT_EQ(mask_name("김민\xEA\xB8"), "김**" + replacement);
  EXPECT_EQ(mask_name("\xEA\xB8김민"), replacement + "**민");
  // Overlong encodings, surrogates and code points above U+10FFFF are not UTF-8.
  EXPECT_EQ(mask_name("\xC0\xAF"), replacement + "*");
  EXPECT_EQ(mask_name("\xE0\x80\xAFx"), replacement + "**x");
  EXPECT_EQ(mask_name("\xED\xA0\x80x"), replacement + "**x");
  EXPECT_EQ(mask_name("\xF4\x90\x80\x80"), replacement + "**" + replacement);
  EXPECT_EQ(mask_name("\xF4\x8F\xBF\xBF" "a"), "\xF4\x8F\xBF\xBF*");
  // Lone continuation bytes.
  EXPECT_EQ(mask_name("\x80\x80\x80"), replacement + "*" + replacement);
}

TEST(MaskPhone, HidesTheMiddleGroup) {
  EXPECT_EQ(mask_phone("010-1234-5678"), "010-****-5678");
  EXPECT_EQ(mask_phone("01012345678"), "010-****-5678");
  EXPECT_EQ(mask_phone("010 1234 5678"), "010-****-5678");
  EXPECT_EQ(mask_phone("  010-1234-5678\n"), "010-****-5678");
}

TEST(MaskPhone, HidesAThreeDigitMiddleGroupBehindFourStars) {
  EXPECT_EQ(mask_phone("011-234-5678"), "011-****-5678");
  EXPECT_EQ(mask_phone("0162345678"), "016-****-5678");
  EXPECT_EQ(mask_phone("019 987 6543"), "019-****-6543");
}

TEST(MaskPhone, AnythingElseKeepsOnlyTheLastFourDigits) {
  EXPECT_EQ(mask_phone("02-123-4567"), "*******4567");
  EXPECT_EQ(mask_phone("+82-10-1234-5678"), "************5678");
  EXPECT_EQ(mask_phone("010.1234.5678"), "*********5678");
  EXPECT_EQ(mask_phone("12-34-56-78-90"), "*********78*90");
  EXPECT_EQ(mask_phone("5678 ext"), "********");
  EXPECT_EQ(mask_phone("tel 12345 x"), "*****2345**");
}

TEST(MaskPhone, ShortOrDigitlessInputIsAllStars) {
  EXPECT_EQ(mask_phone(""), "");
  EXPECT_EQ(mask_phone("   "), "");
  EXPECT_EQ(mask_phone("1234"), "****");
  EXPECT_EQ(mask_phone("12345"), "*2345");
  EXPECT_EQ(mask_phone("abc"), "***");
  EXPECT_EQ(mask_phone("전화없음"), "****");
}

TEST(MaskPhone, SurvivesInvalidUtf8) {
  EXPECT_EQ(mask_phone("\xFF" "1234567"), "****4567");
  EXPECT_EQ(mask_phone("\xE3\x81"), "**");
}

TEST(MaskEmail, KeepsTwoCharactersOfTheLocalPartAndTheDomain) {
  EXPECT_EQ(mask_email("abcdef@example.com"), "ab***@example.com");
  EXPECT_EQ(mask_email("abcdefghij@example.com"), "ab***@example.com");
  EXPECT_EQ(mask_email("ab@x.kr"), "ab***@x.kr");
  EXPECT_EQ(mask_email("a@x.kr"), "a***@x.kr");
  EXPECT_EQ(mask_email(" Alice@Example.com\n"), "Al***@Example.com");
}

TEST(MaskEmail, WithoutAnAtSignEverythingIsHidden) {
  EXPECT_EQ(mask_email("no-at-sign.example.com"), "***");
  EXPECT_EQ(mask_email(""), "***");
  EXPECT_EQ(mask_email("김민준"), "***");
}

TEST(MaskEmail, OddAddresses) {
  EXPECT_EQ(mask_email("@example.com"), "***@example.com");
  EXPECT_EQ(mask_email("abc@"), "ab***@");
  // The domain starts after the last '@'.
  EXPECT_EQ(mask_email("\"a@b\"@example.com"), "\"a***@example.com");
  EXPECT_EQ(mask_email("김철수@example.com"), "김철***@example.com");
  EXPECT_EQ(mask_email("😀x@x.kr"), "😀x***@x.kr");
  EXPECT_EQ(mask_email("\xFF\xFE" "abc@x.kr"), replacement + replacement + "***@x.kr");
  EXPECT_EQ(mask_email("ab@x\xFF.kr"), "ab***@x" + replacement + ".kr");
}

}  // namespace
}  // namespace tr1l::domain
