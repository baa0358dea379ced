#include "common/csv.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace tr1l::csv {
namespace {

using Fields = std::vector<std::string>;

std::vector<Fields> fields_of(std::string_view document) {
  std::vector<Fields> result;
  for (Record& record : parse_all(document)) result.push_back(std::move(record.fields));
  return result;
}

std::vector<std::size_t> lines_of(std::string_view document) {
  std::vector<std::size_t> result;
  for (const Record& record : parse_all(document)) result.push_back(record.line);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Reading

TEST(CsvRead, PlainRecords) {
  EXPECT_EQ(fields_of("a,b,c\n1,2,3\n"), (std::vector<Fields>{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(lines_of("a,b,c\n1,2,3\n"), (std::vector<std::size_t>{1, 2}));
}

TEST(CsvRead, EmptyDocument) {
  EXPECT_TRUE(parse_all("").empty());
  EXPECT_TRUE(parse_all("\n\n\r\n").empty());
}

TEST(CsvRead, LastLineWithoutNewline) {
  EXPECT_EQ(fields_of("a,b\n1,2"), (std::vector<Fields>{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvRead, SingleFieldRecords) {
  EXPECT_EQ(fields_of("a\nb\n"), (std::vector<Fields>{{"a"}, {"b"}}));
}

TEST(CsvRead, QuotedFieldWithCommas) {
  EXPECT_EQ(fields_of("1,\"Seoul, Korea\",x\n"), (std::vector<Fields>{{"1", "Seoul, Korea", "x"}}));
  EXPECT_EQ(fields_of("\",,,\"\n"), (std::vector<Fields>{{",,,"}}));
}

TEST(CsvRead, DoubledQuotes) {
  EXPECT_EQ(fields_of("\"say \"\"hi\"\"\",b\n"), (std::vector<Fields>{{"say \"hi\"", "b"}}));
  EXPECT_EQ(fields_of("\"\"\"\"\n"), (std::vector<Fields>{{"\""}}));
  EXPECT_EQ(fields_of("\"\"\"\"\"\"\n"), (std::vector<Fields>{{"\"\""}}));
  EXPECT_EQ(fields_of("\"a\"\"\",\"\"\"b\"\n"), (std::vector<Fields>{{"a\"", "\"b"}}));
}

TEST(CsvRead, QuotedEmptyField) {
  EXPECT_EQ(fields_of("\"\",x,\"\"\n"), (std::vector<Fields>{{"", "x", ""}}));
  EXPECT_EQ(fields_of("\"\"\n"), (std::vector<Fields>{{""}}));
}

TEST(CsvRead, NewlinesInsideQuotes) {
  EXPECT_EQ(fields_of("1,\"line one\nline two\",3\n"), (std::vector<Fields>{{"1", "line one\nline two", "3"}}));
  // A blank physical line inside a quoted field is data, not a skipped blank line.
  EXPECT_EQ(fields_of("\"a\n\nb\"\n"), (std::vector<Fields>{{"a\n\nb"}}));
  EXPECT_EQ(fields_of("\"\n\"\n"), (std::vector<Fields>{{"\n"}}));
  // A field may continue after a doubled quote at the end of a physical line.
  EXPECT_EQ(fields_of("\"x\"\"\ny\"\n"), (std::vector<Fields>{{"x\"\ny"}}));
  // The continuation line may contain the separator and more fields.
  EXPECT_EQ(fields_of("\"a\nb,c\",d\n"), (std::vector<Fields>{{"a\nb,c", "d"}}));
}

TEST(CsvRead, CrlfLineEnds) {
  EXPECT_EQ(fields_of("a,b\r\n1,2\r\n"), (std::vector<Fields>{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(fields_of("a,\"b\"\r\n1,\r\n"), (std::vector<Fields>{{"a", "b"}, {"1", ""}}));
  EXPECT_EQ(lines_of("a,b\r\n\r\n1,2\r\n"), (std::vector<std::size_t>{1, 3}));
}

TEST(CsvRead, CrlfInsideAQuotedFieldIsData) {
  // RFC 4180: a line break inside quotes belongs to the field, whatever the file's line ends are.
  EXPECT_EQ(fields_of("\"one\r\ntwo\",x\r\nnext,y\r\n"), (std::vector<Fields>{{"one\r\ntwo", "x"}, {"next", "y"}}));
  EXPECT_EQ(fields_of("\"one\ntwo\"\r\n"), (std::vector<Fields>{{"one\ntwo"}}));
}

TEST(CsvRead, ByteOrderMarkAtStartIsSkipped) {
  EXPECT_EQ(fields_of("\xEF\xBB\xBFplan_code,name\nPLN-001,x\n"),
            (std::vector<Fields>{{"plan_code", "name"}, {"PLN-001", "x"}}));
  EXPECT_EQ(fields_of("\xEF\xBB\xBF\"quoted\",b\n"), (std::vector<Fields>{{"quoted", "b"}}));
  EXPECT_EQ(lines_of("\xEF\xBB\xBF\nheader\n"), (std::vector<std::size_t>{2}));
  // Only at the very start: later it is ordinary data.
  EXPECT_EQ(fields_of("a\n\xEF\xBB\xBF" "b\n"), (std::vector<Fields>{{"a"}, {"\xEF\xBB\xBF" "b"}}));
}

TEST(CsvRead, EmptyFields) {
  EXPECT_EQ(fields_of("a,,c\n"), (std::vector<Fields>{{"a", "", "c"}}));
  EXPECT_EQ(fields_of(",\n"), (std::vector<Fields>{{"", ""}}));
  EXPECT_EQ(fields_of(",,\n"), (std::vector<Fields>{{"", "", ""}}));
  EXPECT_EQ(fields_of(",a\n"), (std::vector<Fields>{{"", "a"}}));
}

TEST(CsvRead, TrailingEmptyField) {
  EXPECT_EQ(fields_of("WLF-01,일반,0,\n"), (std::vector<Fields>{{"WLF-01", "일반", "0", ""}}));
  EXPECT_EQ(fields_of("a,b,\r\n"), (std::vector<Fields>{{"a", "b", ""}}));
  EXPECT_EQ(fields_of("a,b,"), (std::vector<Fields>{{"a", "b", ""}}));
}

TEST(CsvRead, BlankLinesAreSkippedButCounted) {
  const char* document = "\nh1,h2\n\n\na,b\n\r\nc,d\n\n";
  EXPECT_EQ(fields_of(document), (std::vector<Fields>{{"h1", "h2"}, {"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(lines_of(document), (std::vector<std::size_t>{2, 5, 7}));
}

TEST(CsvRead, SpacesAreKept) {
  EXPECT_EQ(fields_of(" a , b \n"), (std::vector<Fields>{{" a ", " b "}}));
}

TEST(CsvRead, Utf8PassesThrough) {
  EXPECT_EQ(fields_of("OPT-0003,넷플릭스,6500\n"), (std::vector<Fields>{{"OPT-0003", "넷플릭스", "6500"}}));
}

TEST(CsvRead, QuoteInsideAnUnquotedFieldIsLiteral) {
  EXPECT_EQ(fields_of("ab\"c,d\n"), (std::vector<Fields>{{"ab\"c", "d"}}));
}

TEST(CsvRead, LineNumbersAfterAMultiLineRecord) {
  const char* document =
      "id,note\n"             // 1
      "1,\"first\nsecond\n"   // 2, 3
      "third\"\n"             // 4
      "2,plain\n"             // 5
      "\n"                    // 6
      "3,\"x\r\ny\"\r\n"      // 7, 8
      "4,last\n";             // 9
  EXPECT_EQ(lines_of(document), (std::vector<std::size_t>{1, 2, 5, 7, 9}));
  auto records = parse_all(document);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[1].fields[1], "first\nsecond\nthird");
  EXPECT_EQ(records[2].fields, (Fields{"2", "plain"}));
  EXPECT_EQ(records[4].fields, (Fields{"4", "last"}));
}

TEST(CsvRead, UnterminatedQuoteReportsTheLineWhereTheRecordStarts) {
  const char* document = "a,b\nc,d\ne,\"never closed\nmore\nand more\n";
  try {
    parse_all(document);
    FAIL() << "expected ParseError";
  } catch (const ParseError& error) {
    EXPECT_EQ(error.line(), 3u);
    EXPECT_NE(std::string(error.what()).find("line 3"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("unterminated"), std::string::npos) << error.what();
  }
}

TEST(CsvRead, UnterminatedQuoteOnTheLastLine) {
  try {
    parse_all("h\n\"x");
    FAIL() << "expected ParseError";
  } catch (const ParseError& error) {
    EXPECT_EQ(error.line(), 2u);
  }
}

TEST(CsvRead, StreamingReaderGivesOneRecordAtATime) {
  std::istringstream input("h1,h2\n1,\"a\nb\"\n\n2,c\n");
  Reader reader(input);
  auto first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->line, 1u);
  auto second = reader.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->line, 2u);
  EXPECT_EQ(second->fields, (Fields{"1", "a\nb"}));
  auto third = reader.next();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->line, 5u);
  EXPECT_EQ(third->fields, (Fields{"2", "c"}));
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_FALSE(reader.next().has_value());
}

// ---------------------------------------------------------------------------------------------
// Writing

TEST(CsvWrite, EscapeFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(escape_field("plain"), "plain");
  EXPECT_EQ(escape_field(""), "");
  EXPECT_EQ(escape_field(" spaced "), " spaced ");
  EXPECT_EQ(escape_field("넷플릭스"), "넷플릭스");
  EXPECT_EQ(escape_field("a,b"), "\"a,b\"");
  EXPECT_EQ(escape_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(escape_field("\""), "\"\"\"\"");
  EXPECT_EQ(escape_field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(escape_field("a\rb"), "\"a\rb\"");
}

TEST(CsvWrite, WriteRecord) {
  std::ostringstream output;
  write_record(output, {"1", "Seoul, Korea", "", "q\"uote"});
  write_record(output, {});
  write_record(output, {"last"});
  EXPECT_EQ(output.str(), "1,\"Seoul, Korea\",,\"q\"\"uote\"\n\nlast\n");
}

std::string written(const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream output;
  for (const auto& row : rows) {
    std::vector<std::string_view> views(row.begin(), row.end());
    write_record(output, views);
  }
  return output.str();
}

TEST(CsvRoundTrip, AwkwardFields) {
  const std::vector<Fields> rows = {
      {"id", "name", "note"},
      {"1", "Seoul, Korea", "say \"hi\""},
      {"2", "multi\nline", ""},
      {"3", "", "trailing,"},
      {"4", "\"", "\"\""},
      {"5", "cr\rinside", "crlf\r\ninside"},
      {"6", "ends with cr\r", "\n"},
      {"7", "김민준", "a\n\nb"},
  };
  EXPECT_EQ(fields_of(written(rows)), rows);
  auto records = parse_all(written(rows));
  EXPECT_EQ(records.back().line, 11u);
}

// Deterministic pseudo-random fields over an alphabet of the characters that matter.
TEST(CsvRoundTrip, PseudoRandomFields) {
  const std::string alphabet[] = {"a", "b", ",", "\"", "\n", "\r", " ", "가", "\r\n", "x"};
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<Fields> rows;
    const int row_count = 1 + static_cast<int>(next() % 5);
    for (int row = 0; row < row_count; ++row) {
      Fields fields;
      const int field_count = 1 + static_cast<int>(next() % 4);
      for (int index = 0; index < field_count; ++index) {
        std::string field;
        const int length = static_cast<int>(next() % 7);
        for (int position = 0; position < length; ++position) field += alphabet[next() % std::size(alphabet)];
        fields.push_back(field);
      }
      // A record of one empty field is written as a blank line, which readers skip by design.
      if (fields.size() == 1 && fields[0].empty()) fields[0] = "x";
      rows.push_back(fields);
    }
    ASSERT_EQ(fields_of(written(rows)), rows) << "round " << round;
  }
}

}  // namespace
}  // namespace tr1l::csv
