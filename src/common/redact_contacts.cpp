#include "common/redact_contacts.h"

#include <algorithm>

namespace tr1l {
namespace {

bool is_digit(char character) { return character >= '0' && character <= '9'; }

bool is_domain_character(char character) {
  return is_digit(character) || (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
         character == '-' || character == '.';
}

// Characters of an address's local part (RFC 5322 atext and '.'), plus the '%' of
// percent-encoded forms.
bool is_local_part_character(char character) {
  return is_domain_character(character) || std::string_view("!#$%&'*+/=?^_`{|}~").find(character) != std::string_view::npos;
}

void replace_all(std::string& text, std::string_view needle, std::string_view replacement) {
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + replacement.size())) {
    text.replace(at, needle.size(), replacement);
  }
}

std::string redact_email_addresses(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  std::size_t copied = 0;
  for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
    if (at < copied) continue;
    std::size_t start = at;
    while (start > copied && is_local_part_character(text[start - 1])) --start;
    std::size_t end = at + 1;
    while (end < text.size() && is_domain_character(text[end])) ++end;
    if (start == at || end == at + 1) continue;  // "@" alone, "a@" or "@b": not an address
    result.append(text, copied, start - copied);
    result += "[e-mail]";
    copied = end;
  }
  result.append(text, copied, std::string::npos);
  return result;
}

std::string redact_numbers(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  std::size_t index = 0;
  while (index < text.size()) {
    const bool starts_number = is_digit(text[index]) || (text[index] == '+' && index + 1 < text.size() && is_digit(text[index + 1]));
    if (!starts_number) {
      result.push_back(text[index++]);
      continue;
    }
    // The run: digits, with single separators between digit groups.
    std::size_t end = index + (text[index] == '+' ? 1 : 0);
    std::size_t digits = 0;
    std::size_t last_digit_end = end;
    while (end < text.size()) {
      if (is_digit(text[end])) {
        ++digits;
        last_digit_end = ++end;
      } else if ((text[end] == '-' || text[end] == ' ' || text[end] == '.') && end + 1 < text.size() &&
                 is_digit(text[end + 1])) {
        ++end;
      } else {
        break;
      }
    }
    if (digits >= 7) {
      result += "[number]";
    } else {
      result.append(text, index, last_digit_end - index);
    }
    index = last_digit_end;
  }
  return result;
}

}  // namespace

std::string redact_contacts(std::string_view text, std::string_view destination, std::size_t max_length) {
  std::string redacted(text);
  for (char& character : redacted) {
    const auto byte = static_cast<unsigned char>(character);
    if (byte < 0x20 || byte == 0x7f) character = ' ';
  }
  replace_all(redacted, destination, "[destination]");
  redacted = redact_numbers(redact_email_addresses(redacted));
  if (redacted.size() > max_length) {
    std::size_t cut = max_length;
    while (cut > 0 && (static_cast<unsigned char>(redacted[cut]) & 0xC0) == 0x80) --cut;
    redacted.resize(cut);
  }
  return redacted;
}

}  // namespace tr1l
