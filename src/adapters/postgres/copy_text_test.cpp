#include "adapters/postgres/copy_text.h"

#include <gtest/gtest.h>

#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace tr1l::adapters::postgres {
namespace {

TEST(CopyTextWriter, EscapesSeparatorsAndBackslashes) {
  CopyTextWriter writer;
  writer.field(std::int64_t{-42}).field("a\tb\nc\rd\\e").field(std::optional<std::string>()).end_row();
  EXPECT_EQ(writer.data(), "-42\ta\\tb\\nc\\rd\\\\e\t\\N\n");
  EXPECT_EQ(writer.rows(), 1u);
}

TEST(CopyTextWriter, KeepsTextThatOnlyLooksLikeEscapes) {
  CopyTextWriter writer;
  writer.field("\\N").field("\\.").field("").end_row();
  // "\N" and "\." as values are escaped, so neither reads as NULL nor as end-of-data.
  EXPECT_EQ(writer.data(), "\\\\N\t\\\\.\t\n");
}

TEST(CopyTextWriter, WritesBytesAsEscapedHexAndNullAsBackslashN) {
  CopyTextWriter writer;
  writer.bytes_field(std::string("\x00\xff\t\\", 4)).bytes_field(std::optional<std::string>()).bytes_field(std::string_view()).end_row();
  EXPECT_EQ(writer.data(), "\\\\x00ff095c\t\\N\t\\\\x\n");
}

TEST(CopyTextWriter, WritesDatesIntegersAndOptionalIntegers) {
  CopyTextWriter writer;
  writer.field(domain::Date{2024, 2, 29})
      .field(std::optional<domain::Date>())
      .field(std::optional<int>(7))
      .field(std::optional<int>())
      .field(std::numeric_limits<std::int64_t>::min())
      .end_row();
  writer.field(std::int64_t{1}).end_row();
  EXPECT_EQ(writer.data(), "2024-02-29\t\\N\t7\t\\N\t-9223372036854775808\n1\n");
  EXPECT_EQ(writer.rows(), 2u);
  writer.clear();
  EXPECT_TRUE(writer.empty());
  EXPECT_EQ(writer.data(), "");
}

TEST(CopyTextRow, SplitsAndUnescapesWhatTheWriterWrote) {
  CopyTextWriter writer;
  writer.field("x\ty\\z\n").field(std::optional<std::string>()).field("").field(std::int64_t{5}).end_row();
  auto fields = split_copy_text_row(writer.data());
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], std::optional<std::string>("x\ty\\z\n"));
  EXPECT_FALSE(fields[1].has_value());
  EXPECT_EQ(fields[2], std::optional<std::string>(""));
  EXPECT_EQ(fields[3], std::optional<std::string>("5"));
}

TEST(ByteaHex, DecodesServerTextAndRejectsJunk) {
  EXPECT_EQ(decode_bytea_hex("\\x00ff0A"), std::optional<std::string>(std::string("\x00\xff\x0a", 3)));
  EXPECT_EQ(decode_bytea_hex("\\x"), std::optional<std::string>(""));
  EXPECT_FALSE(decode_bytea_hex("00ff").has_value());
  EXPECT_FALSE(decode_bytea_hex("\\x0").has_value());
  EXPECT_FALSE(decode_bytea_hex("\\xzz").has_value());
}

TEST(ByteaHex, DecodesEveryByteInEitherCaseAndRejectsEveryOtherCharacter) {
  std::string every_byte, lower = "\\x", upper = "\\x";
  for (int value = 0; value < 256; ++value) {
    every_byte.push_back(static_cast<char>(value));
    lower += fmt::format("{:02x}", value);
    upper += fmt::format("{:02X}", value);
  }
  EXPECT_EQ(decode_bytea_hex(lower), std::optional<std::string>(every_byte));
  EXPECT_EQ(decode_bytea_hex(upper), std::optional<std::string>(every_byte));
  for (int character = 0; character < 256; ++character) {
    if (std::isxdigit(character)) continue;
    EXPECT_FALSE(decode_bytea_hex(std::string("\\x0") + static_cast<char>(character)).has_value()) << character;
    EXPECT_FALSE(decode_bytea_hex(std::string("\\x") + static_cast<char>(character) + "0").has_value()) << character;
  }
}

}  // namespace
}  // namespace tr1l::adapters::postgres
