// RFC 4180 CSV: comma-separated, optional double quotes, "" escapes a quote inside quotes,
// quoted fields may span lines. Reading is streaming (one record at a time) so a million-row file
// never sits in memory; every record carries the line number it started on, for error messages.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tr1l::csv {

struct Record {
  std::size_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

class ParseError : public std::runtime_error {
 public:
  ParseError(std::size_t line, const std::string& reason)
      : std::runtime_error("line " + std::to_string(line) + ": " + reason), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

class Reader {
 public:
  explicit Reader(std::istream& input) : input_(input) {}

  // The next record, or nullopt at end of input. Throws ParseError on an unterminated quote.
  // A UTF-8 byte order mark at the very start is skipped; CRLF line ends are accepted.
  std::optional<Record> next();

 private:
  std::istream& input_;
  std::size_t line_ = 0;
  bool at_start_ = true;
};

// Parses a whole in-memory document (small files such as the catalogue).
std::vector<Record> parse_all(std::string_view document);

// Writes one record, quoting a field only when it holds a comma, quote, CR or LF.
void write_record(std::ostream& output, const std::vector<std::string_view>& fields);
std::string escape_field(std::string_view field);

}  // namespace tr1l::csv
