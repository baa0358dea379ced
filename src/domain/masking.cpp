#include "domain/masking.h"

#include <vector>

#include "domain/contact.h"

namespace tr1l::domain {
namespace {

// U+FFFD stands in for a byte that is not valid UTF-8 wherever a character is shown rather than
// starred, so masked text is always valid UTF-8 (JSON encoders and terminals reject anything else).
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

struct CodePoint {
  std::string_view bytes;
  bool valid = true;
};

std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF (F5-FF)
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Splits text into code points; a byte that does not start a well-formed sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF) counts as one invalid code point.
std::vector<CodePoint> code_points(std::string_view text) {
  std::vector<CodePoint> points;
  points.reserve(text.size());
  std::size_t position = 0;
  while (position < text.size()) {
    const auto byte_at = [&](std::size_t index) { return static_cast<unsigned char>(text[position + index]); };
    const unsigned char lead = byte_at(0);
    const std::size_t length = sequence_length(lead);
    bool well_formed = length != 0 && position + length <= text.size();
    for (std::size_t index = 1; well_formed && index < length; ++index) well_formed = is_continuation(byte_at(index));
    if (well_formed && length >= 3) {
      const unsigned char second = byte_at(1);
      if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) || (lead == 0xF0 && second < 0x90) ||
          (lead == 0xF4 && second > 0x8F)) {
        well_formed = false;
      }
    }
    if (well_formed) {
      points.push_back({text.substr(position, length), true});
      position += length;
    } else {
      points.push_back({text.substr(position, 1), false});
      position += 1;
    }
  }
  return points;
}

void append_shown(std::string& output, const CodePoint& point) {
  output += point.valid ? point.bytes : replacement_character;
}

std::string shown(std::string_view text) {
  std::string output;
  for (const CodePoint& point : code_points(text)) append_shown(output, point);
  return output;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

bool is_ascii_digit(std::string_view bytes) { return bytes.size() == 1 && bytes[0] >= '0' && bytes[0] <= '9'; }

}  // namespace

std::string mask_name(std::string_view name) {
  const std::vector<CodePoint> points = code_points(trim(name));
  std::string masked;
  if (points.empty()) return masked;
  if (points.size() == 1) return "*";
  append_shown(masked, points.front());
  if (points.size() == 2) return masked + "*";
  masked.append(points.size() - 2, '*');
  append_shown(masked, points.back());
  return masked;
}

std::string mask_phone(std::string_view phone) {
  const std::string_view trimmed = trim(phone);
  if (const std::optional<std::string> normalised = normalise_phone(trimmed)) {
    // Always four stars, so the mask does not tell a 3-digit middle group from a 4-digit one.
    return normalised->substr(0, 3) + "-****-" + normalised->substr(normalised->size() - 4);
  }
  const std::vector<CodePoint> points = code_points(trimmed);
  std::size_t digit_count = 0;
  for (const CodePoint& point : points) digit_count += is_ascii_digit(point.bytes) ? 1 : 0;
  // With four digits or fewer, showing "the last four" would show the whole number.
  std::size_t digits_to_show = digit_count > 4 ? 4 : 0;
  std::string masked(points.size(), '*');
  for (std::size_t index = points.size(); index-- > 0 && digits_to_show > 0;) {
    if (is_ascii_digit(points[index].bytes)) {
      masked[index] = points[index].bytes[0];
      --digits_to_show;
    }
  }
  return masked;
}

std::string mask_email(std::string_view email) {
  const std::string_view trimmed = trim(email);
  const std::size_t at = trimmed.rfind('@');
  if (at == std::string_view::npos) return "***";
  const std::vector<CodePoint> local = code_points(trimmed.substr(0, at));
  std::string masked;
  for (std::size_t index = 0; index < local.size() && index < 2; ++index) append_shown(masked, local[index]);
  masked += "***@";
  masked += shown(trimmed.substr(at + 1));
  return masked;
}

}  // namespace tr1l::domain
