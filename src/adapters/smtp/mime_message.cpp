#include "adapters/smtp/mime_message.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include "common/sha256_hex.h"

namespace tr1l::adapters::smtp {
namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t base64_line_length = 76;  // RFC 2045 §6.8
constexpr std::size_t max_encoded_word = 75;    // RFC 2047 §2
constexpr std::string_view word_prefix = "=?UTF-8?B?";
constexpr std::string_view word_suffix = "?=";
constexpr std::size_t max_header_line = 78;     // RFC 5322 §2.1.1 "SHOULD"
constexpr std::size_t max_encoded_line = 76;    // RFC 2047 §2: a line holding encoded-words

bool is_atext(char character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
         (character >= '0' && character <= '9') || std::string_view("!#$%&'*+-/=?^_`{|}~").find(character) != std::string_view::npos;
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char character) { return character > ' ' && character < 0x7f; });
}

// An address goes into headers unquoted: dot-atom local part, '@', dot-atom domain.
void require_plain_address(std::string_view address, std::string_view role) {
  const std::size_t at = address.find('@');
  const bool plain = at != std::string_view::npos && at > 0 && at + 1 < address.size() && address.size() <= 254 &&
                     std::all_of(address.begin(), address.end(),
                                 [](char character) { return is_atext(character) || character == '.' || character == '@'; }) &&
                     address.find('@', at + 1) == std::string_view::npos;
  if (!plain) throw MimeError(std::string(role) + " is not a plain e-mail address");
}

bool needs_encoding(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char character) {
    const auto byte = static_cast<unsigned char>(character);
    return byte < 0x20 || byte >= 0x7f;
  });
}

std::string base64(std::string_view bytes) {
  std::string encoded;
  encoded.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t index = 0;
  for (; index + 3 <= bytes.size(); index += 3) {
    const auto value = (static_cast<unsigned>(static_cast<unsigned char>(bytes[index])) << 16) |
                       (static_cast<unsigned>(static_cast<unsigned char>(bytes[index + 1])) << 8) |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[index + 2]));
    encoded += base64_alphabet[(value >> 18) & 63];
    encoded += base64_alphabet[(value >> 12) & 63];
    encoded += base64_alphabet[(value >> 6) & 63];
    encoded += base64_alphabet[value & 63];
  }
  const std::size_t rest = bytes.size() - index;
  if (rest > 0) {
    unsigned value = static_cast<unsigned>(static_cast<unsigned char>(bytes[index])) << 16;
    if (rest == 2) value |= static_cast<unsigned>(static_cast<unsigned char>(bytes[index + 1])) << 8;
    encoded += base64_alphabet[(value >> 18) & 63];
    encoded += base64_alphabet[(value >> 12) & 63];
    encoded += rest == 2 ? base64_alphabet[(value >> 6) & 63] : '=';
    encoded += '=';
  }
  return encoded;
}

// Where a UTF-8 character starts: not on a continuation byte (10xxxxxx).
bool is_character_start(std::string_view text, std::size_t index) {
  return index >= text.size() || (static_cast<unsigned char>(text[index]) & 0xC0) != 0x80;
}

// A display name: as is when it is plain printable ASCII without specials, else encoded.
std::string mailbox(std::string_view display_name, std::string_view address, std::size_t used) {
  if (display_name.empty()) return std::string(address);
  const bool plain_phrase = !needs_encoding(display_name) && std::all_of(display_name.begin(), display_name.end(), [](char character) {
    return is_atext(character) || character == ' ';
  });
  std::string name = plain_phrase ? std::string(display_name) : encode_header_words(display_name, used);
  return name + " <" + std::string(address) + ">";
}

void add_header(std::string& message, std::string_view name, std::string_view value) {
  message += name;
  message += ": ";
  message += value;
  message += crlf;
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  const std::string encoded = base64(bytes);
  std::string lines;
  lines.reserve(encoded.size() + encoded.size() / base64_line_length * 2 + 2);
  for (std::size_t start = 0; start < encoded.size(); start += base64_line_length) {
    lines.append(encoded, start, base64_line_length);
    lines += crlf;
  }
  return lines;
}

std::string encode_header_words(std::string_view utf8, std::size_t used) {
  constexpr std::size_t overhead = word_prefix.size() + word_suffix.size();
  // Bytes per word: the longest multiple of 3 whose base64 fits into `room` characters.
  const auto payload_for = [](std::size_t room) { return room < overhead + 4 ? 0 : (room - overhead) / 4 * 3; };
  std::string encoded;
  std::size_t line_length = used;
  std::size_t start = 0;
  while (start < utf8.size()) {
    const std::size_t separator = encoded.empty() ? 0 : 1;
    std::size_t room = std::min(max_encoded_word, max_encoded_line - std::min(max_encoded_line, line_length + separator));
    // A word must hold at least one whole character (up to 4 bytes); else it goes on a new line.
    if (payload_for(room) < 6 && !encoded.empty()) {
      encoded += "\r\n";
      line_length = 0;  // the blank that starts the continuation line is added below
      room = std::min(max_encoded_word, max_encoded_line - 1);
    }
    const std::size_t payload = std::max<std::size_t>(payload_for(room), 3);
    std::size_t end = std::min(start + payload, utf8.size());
    while (end > start + 1 && !is_character_start(utf8, end)) --end;
    // Whitespace between adjacent encoded-words is not part of the text (RFC 2047 §6.2).
    if (!encoded.empty()) {
      encoded += ' ';
      ++line_length;
    }
    encoded += word_prefix;
    encoded += base64(utf8.substr(start, end - start));
    encoded += word_suffix;
    line_length += overhead + (end - start + 2) / 3 * 4;
    start = end;
  }
  return encoded;
}

std::string format_message_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<const char*, 7> weekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", weekdays[static_cast<std::size_t>(utc.tm_wday)],
                utc.tm_mday, months[static_cast<std::size_t>(utc.tm_mon)], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

std::string message_id_for_attempt(std::string_view attempt_id, std::string_view domain) {
  std::string left = "tr1l.";
  for (const char character : attempt_id) {
    const char kept = is_atext(character) && character != '/' ? character : '.';
    if (kept == '.' && left.back() == '.') continue;  // dot-atom: no empty atoms
    left += kept;
  }
  if (left.back() == '.') left.pop_back();
  return "<" + left + "@" + std::string(domain) + ">";
}

std::string build_mime_message(const MimeMessageParts& parts) {
  require_plain_address(parts.from_address, "sender address");
  require_plain_address(parts.to_address, "recipient address");
  if (parts.attempt_id.empty() || parts.attempt_id.size() > 200 || !is_printable_ascii(parts.attempt_id)) {
    throw MimeError("attempt id must be 1-200 printable ASCII characters");
  }
  const std::string_view from_domain = std::string_view(parts.from_address).substr(parts.from_address.find('@') + 1);
  // Base64 never contains "=_", so this boundary cannot occur inside a part.
  const std::string boundary = "=_tr1l_" + common::sha256_hex(parts.attempt_id).substr(0, 32);

  std::string message;
  message.reserve(parts.html.size() * 4 / 3 + parts.plain_text.size() * 4 / 3 + 2048);
  add_header(message, "From", mailbox(parts.from_display_name, parts.from_address, 6));
  add_header(message, "To", parts.to_address);
  // Plain ASCII stays readable; anything else, anything long and anything that a reader could take
  // for an encoded-word is encoded.
  const bool encode_subject = needs_encoding(parts.subject) || parts.subject.size() > max_header_line - 9 ||
                              parts.subject.find("=?") != std::string::npos;
  add_header(message, "Subject", encode_subject ? encode_header_words(parts.subject, 9) : parts.subject);
  add_header(message, "Date", format_message_date(parts.date));
  add_header(message, "Message-ID", message_id_for_attempt(parts.attempt_id, from_domain));
  add_header(message, "X-TR1L-Attempt", parts.attempt_id);
  add_header(message, "MIME-Version", "1.0");
  add_header(message, "Content-Type", "multipart/alternative;\r\n boundary=\"" + boundary + "\"");
  message += crlf;
  message += "This is a multi-part message in MIME format.\r\n";

  const auto add_part = [&](std::string_view content_type, std::string_view content) {
    message += "\r\n--";
    message += boundary;
    message += crlf;
    add_header(message, "Content-Type", std::string(content_type) + "; charset=utf-8");
    add_header(message, "Content-Transfer-Encoding", "base64");
    message += crlf;
    message += base64_lines(content);
  };
  // Least preferred first (RFC 2046 §5.1.4): clients show the last part they can display.
  add_part("text/plain", parts.plain_text);
  add_part("text/html", parts.html);
  message += "\r\n--";
  message += boundary;
  message += "--\r\n";
  return message;
}

}  // namespace tr1l::adapters::smtp
