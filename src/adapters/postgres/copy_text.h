// PostgreSQL's COPY text format, both directions: rows for `COPY table FROM STDIN` are built in
// memory field by field, and rows of `COPY ... TO STDOUT` are split back into fields. Bulk loads
// go through COPY because it is an order of magnitude faster than INSERT statements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"

namespace tr1l::adapters::postgres {

// Appends rows in COPY text format: fields separated by tabs, rows ended by a newline, NULL as
// \N, and backslash, tab, newline and carriage return escaped so a value can never be mistaken
// for a separator. Byte strings (bytea columns) are written as escaped hex: \\x0a1b...
class CopyTextWriter {
 public:
  CopyTextWriter& field(std::int64_t value);
  CopyTextWriter& field(std::string_view text);
  CopyTextWriter& field(const std::string& text) { return field(std::string_view(text)); }
  CopyTextWriter& field(const char* text) { return field(std::string_view(text)); }
  CopyTextWriter& field(const std::optional<std::string>& text);
  CopyTextWriter& field(const std::optional<int>& value);
  CopyTextWriter& field(const domain::Date& date);
  CopyTextWriter& field(const std::optional<domain::Date>& date);
  CopyTextWriter& bytes_field(std::string_view bytes);
  CopyTextWriter& bytes_field(const std::string& bytes) { return bytes_field(std::string_view(bytes)); }
  CopyTextWriter& bytes_field(const std::optional<std::string>& bytes);
  CopyTextWriter& null_field();
  void end_row();

  const std::string& data() const { return data_; }
  std::size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  void clear();

 private:
  void begin_field();

  std::string data_;
  std::size_t rows_ = 0;
  bool row_has_fields_ = false;
};

// Splits one row of COPY text output (without or with its trailing newline) into fields,
// undoing the escapes; NULL fields are std::nullopt.
std::vector<std::optional<std::string>> split_copy_text_row(std::string_view row);

// Decodes PostgreSQL's text form of a bytea value ("\x0a1b..."); nullopt when it is malformed.
std::optional<std::string> decode_bytea_hex(std::string_view text);

}  // namespace tr1l::adapters::postgres
