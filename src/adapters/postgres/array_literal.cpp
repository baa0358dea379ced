#include "adapters/postgres/array_literal.h"

namespace tr1l::adapters::postgres {

void ArrayLiteral::separate() {
  if (size_ > 0) elements_ += ',';
  ++size_;
}

ArrayLiteral& ArrayLiteral::add(std::int64_t value) {
  separate();
  elements_ += std::to_string(value);
  return *this;
}

ArrayLiteral& ArrayLiteral::add(std::string_view text) {
  separate();
  elements_ += '"';
  for (char character : text) {
    if (character == '"' || character == '\\') elements_ += '\\';
    elements_ += character;
  }
  elements_ += '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::add_null() {
  separate();
  elements_ += "NULL";
  return *this;
}

}  // namespace tr1l::adapters::postgres
