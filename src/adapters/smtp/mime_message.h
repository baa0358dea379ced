// The e-mail as it goes over SMTP (RFC 5322, MIME RFC 2045-2047): headers, then a
// multipart/alternative body with a short plain-text part and the invoice HTML, both UTF-8 in
// base64. Pure functions, so the exact bytes can be tested without a server.
#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tr1l::adapters::smtp {

// An input that cannot go into a header safely (a line break in an address, an attempt id that
// is not printable ASCII). The message never repeats the value.
class MimeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct MimeMessageParts {
  std::string from_address;       // "billing@tr1l.example"
  std::string from_display_name;  // optional, UTF-8 ("TR1L 청구서")
  std::string to_address;         // the destination, already validated
  std::string subject;            // UTF-8
  std::string plain_text;         // UTF-8, the alternative for clients without HTML
  std::string html;               // UTF-8, the invoice
  std::string attempt_id;         // "2026-10/12345/0": Message-ID and X-TR1L-Attempt
  std::chrono::system_clock::time_point date;
};

// Lines end in CRLF and are at most 78 bytes (the header and base64 lines this produces), far
// under SMTP's 998. Throws MimeError for unsafe addresses or attempt id.
std::string build_mime_message(const MimeMessageParts& parts);

// An unstructured header value as RFC 2047 encoded-words ("=?UTF-8?B?...?="), each at most 75
// characters and never splitting a UTF-8 character, folded onto continuation lines ("\r\n ").
// `used` is how much of the first line the header name already takes ("Subject: " = 9).
std::string encode_header_words(std::string_view utf8, std::size_t used);

// RFC 5322 date in UTC: "Sun, 01 Nov 2026 00:00:00 +0000".
std::string format_message_date(std::chrono::system_clock::time_point when);

// "<2026-10.12345.0@tr1l.example>": the same attempt always gets the same Message-ID, so a
// repeated send of one attempt is recognisable; characters outside RFC 5322 atext become '.'.
std::string message_id_for_attempt(std::string_view attempt_id, std::string_view domain);

// Base64 (RFC 4648) in lines of at most 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view bytes);

}  // namespace tr1l::adapters::smtp
