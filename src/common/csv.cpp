#include "common/csv.h"

#include <sstream>

namespace tr1l::csv {

std::optional<Record> Reader::next() {
  std::string line;
  // Whether the physical line ended in CRLF; inside a quoted field that line break is data.
  bool line_ended_crlf = false;
  while (true) {
    if (!std::getline(input_, line)) return std::nullopt;
    ++line_;
    if (at_start_) {
      at_start_ = false;
      if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    }
    line_ended_crlf = !line.empty() && line.back() == '\r';
    if (line_ended_crlf) line.pop_back();
    if (!line.empty()) break;  // blank lines carry no record
  }

  Record record;
  record.line = line_;
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  std::size_t position = 0;
  while (true) {
    if (position == line.size()) {
      if (!in_quotes) break;
      // A quoted field continues on the next physical line.
      if (!std::getline(input_, line)) throw ParseError(record.line, "unterminated quoted field");
      ++line_;
      field.append(line_ended_crlf ? "\r\n" : "\n");
      line_ended_crlf = !line.empty() && line.back() == '\r';
      if (line_ended_crlf) line.pop_back();
      position = 0;
      continue;
    }
    char character = line[position++];
    if (in_quotes) {
      if (character == '"') {
        if (position < line.size() && line[position] == '"') {
          field.push_back('"');
          ++position;
        } else {
          in_quotes = false;
        }
      } else {
        field.push_back(character);
      }
    } else if (character == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      field_was_quoted = false;
    } else if (character == '"' && field.empty() && !field_was_quoted) {
      in_quotes = true;
      field_was_quoted = true;
    } else {
      field.push_back(character);
    }
  }
  record.fields.push_back(std::move(field));
  return record;
}

std::vector<Record> parse_all(std::string_view document) {
  std::istringstream stream{std::string(document)};
  Reader reader(stream);
  std::vector<Record> records;
  while (auto record = reader.next()) records.push_back(std::move(*record));
  return records;
}

std::string escape_field(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string quoted = "\"";
  for (char character : field) {
    if (character == '"') quoted.push_back('"');
    quoted.push_back(character);
  }
  quoted.push_back('"');
  return quoted;
}

void write_record(std::ostream& output, const std::vector<std::string_view>& fields) {
  for (std::size_t index = 0; index < fields.size(); ++index) {
    if (index > 0) output.put(',');
    output << escape_field(fields[index]);
  }
  output.put('\n');
}

}  // namespace tr1l::csv
