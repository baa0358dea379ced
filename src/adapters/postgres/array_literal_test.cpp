#include "adapters/postgres/array_literal.h"

#include <gtest/gtest.h>

#include <limits>

namespace tr1l::adapters::postgres {
namespace {

TEST(ArrayLiteral, EmptyArray) { EXPECT_EQ(ArrayLiteral().text(), "{}"); }

TEST(ArrayLiteral, NumbersAreBareAndSeparatedByCommas) {
  ArrayLiteral array;
  array.add(std::int64_t{1}).add(std::numeric_limits<std::int64_t>::min()).add(std::int64_t{42});
  EXPECT_EQ(array.text(), "{1,-9223372036854775808,42}");
  EXPECT_EQ(array.size(), 3u);
}

TEST(ArrayLiteral, TextIsQuotedWithQuotesAndBackslashesEscaped) {
  ArrayLiteral array;
  array.add("EMAIL").add("a,b {c}").add("say \"hi\" \\ bye").add("NULL").add("");
  EXPECT_EQ(array.text(), R"({"EMAIL","a,b {c}","say \"hi\" \\ bye","NULL",""})");
}

TEST(ArrayLiteral, NullIsTheBareWordAndEmptyTextCanMeanNull) {
  ArrayLiteral array;
  array.add_null().add_text_or_null("").add_text_or_null("timeout");
  EXPECT_EQ(array.text(), R"({NULL,NULL,"timeout"})");
}

}  // namespace
}  // namespace tr1l::adapters::postgres
