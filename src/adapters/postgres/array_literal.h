// Array parameters in PostgreSQL's text form ({1,2,3}, {"EMAIL",NULL}), so a statement can take a
// whole batch as a few arrays and unnest them: one statement and one round trip per batch instead
// of one per row.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tr1l::adapters::postgres {

class ArrayLiteral {
 public:
  ArrayLiteral& add(std::int64_t value);
  // Quoted, with " and \ escaped, so any text (commas, braces, the word NULL) stays one element.
  ArrayLiteral& add(std::string_view text);
  ArrayLiteral& add(const char* text) { return add(std::string_view(text)); }
  ArrayLiteral& add(const std::string& text) { return add(std::string_view(text)); }
  ArrayLiteral& add_null();
  // Empty text as NULL, for columns where NULL means "none" (errors, reasons).
  ArrayLiteral& add_text_or_null(std::string_view text) { return text.empty() ? add_null() : add(text); }

  std::string text() const { return elements_ + "}"; }
  std::size_t size() const { return size_; }

 private:
  void separate();

  std::string elements_ = "{";
  std::size_t size_ = 0;
};

}  // namespace tr1l::adapters::postgres
