// The MIME text of an invoice e-mail, decoded again by an independent little decoder: headers,
// the RFC 2047 subject, both parts' base64, CRLF line ends and line lengths, and refusal of
// values that could inject headers.
#include "adapters/smtp/mime_message.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace tr1l::adapters::smtp {
namespace {

using namespace std::chrono_literals;

std::string base64_decode(std::string_view text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  unsigned accumulator = 0;
  int bits = 0;
  for (const char character : text) {
    if (character == '=' || character == '\r' || character == '\n') continue;
    const std::size_t value = alphabet.find(character);
    if (value == std::string::npos) {
      ADD_FAILURE() << "not base64: " << static_cast<int>(character);
      return {};
    }
    accumulator = (accumulator << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((accumulator >> bits) & 0xFF));
    }
  }
  return bytes;
}

// Decodes "=?UTF-8?B?...?=" words separated by folding whitespace (RFC 2047 §6.2: whitespace
// between encoded-words is dropped).
std::string decode_encoded_words(std::string_view value) {
  std::string decoded;
  std::size_t at = 0;
  while (at < value.size()) {
    if (value.substr(at).starts_with("=?UTF-8?B?")) {
      const std::size_t end = value.find("?=", at + 10);
      EXPECT_NE(end, std::string_view::npos);
      decoded += base64_decode(value.substr(at + 10, end - at - 10));
      at = end + 2;
      while (at < value.size() && (value[at] == ' ' || value[at] == '\r' || value[at] == '\n')) ++at;
    } else {
      decoded += value[at++];
    }
  }
  return decoded;
}

struct ParsedPart {
  std::map<std::string, std::string> headers;
  std::string body;
};

// Headers (unfolded, names as written) and the body after the first empty line.
ParsedPart parse_part(std::string_view text) {
  ParsedPart part;
  const std::size_t end_of_headers = text.find("\r\n\r\n");
  EXPECT_NE(end_of_headers, std::string_view::npos);
  std::string_view headers = text.substr(0, end_of_headers + 2);
  part.body = std::string(text.substr(end_of_headers + 4));
  std::string last;
  while (!headers.empty()) {
    const std::size_t line_end = headers.find("\r\n");
    const std::string_view line = headers.substr(0, line_end);
    headers.remove_prefix(line_end + 2);
    if (line.starts_with(' ') || line.starts_with('\t')) {
      part.headers[last] += "\r\n" + std::string(line);
      continue;
    }
    const std::size_t colon = line.find(": ");
    last = std::string(line.substr(0, colon));
    part.headers[last] = std::string(line.substr(colon + 2));
  }
  return part;
}

MimeMessageParts sample() {
  MimeMessageParts parts;
  parts.from_address = "billing@tr1l.example";
  parts.to_address = "minjun.kim+bill@example.co.kr";
  parts.subject = "[TR1L] 2026년 10월 청구서 안내 — 김*준 고객님, 이번 달 청구 금액은 45,300원입니다";
  parts.plain_text = "텍스트";
  parts.html = "<!doctype html><html><body><h1>청구서</h1><p>합계 45,300원</p>" + std::string(5000, 'x') +
               "\n.\n</body></html>";
  parts.attempt_id = "2026-10/12345/0";
  parts.date = std::chrono::system_clock::time_point(std::chrono::seconds(1793491200));  // 2026-11-01 00:00 UTC
  return parts;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find("\r\n");
    EXPECT_NE(end, std::string_view::npos) << "text does not end in CRLF";
    if (end == std::string_view::npos) break;
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 2);
  }
  return lines;
}

TEST(MimeMessage, HeadersAndBothPartsDecodeBack) {
  const MimeMessageParts parts = sample();
  const std::string message = build_mime_message(parts);
  const ParsedPart top = parse_part(message);

  EXPECT_EQ(top.headers.at("From"), "billing@tr1l.example");
  EXPECT_EQ(top.headers.at("To"), "minjun.kim+bill@example.co.kr");
  EXPECT_EQ(top.headers.at("Date"), "Sun, 01 Nov 2026 00:00:00 +0000");
  EXPECT_EQ(top.headers.at("Message-ID"), "<tr1l.2026-10.12345.0@tr1l.example>");
  EXPECT_EQ(top.headers.at("X-TR1L-Attempt"), "2026-10/12345/0");
  EXPECT_EQ(top.headers.at("MIME-Version"), "1.0");
  EXPECT_TRUE(top.headers.at("Subject").starts_with("=?UTF-8?B?"));
  EXPECT_EQ(decode_encoded_words(top.headers.at("Subject")), parts.subject);

  const std::string& content_type = top.headers.at("Content-Type");
  ASSERT_TRUE(content_type.starts_with("multipart/alternative;")) << content_type;
  const std::size_t quote = content_type.find("boundary=\"");
  ASSERT_NE(quote, std::string::npos);
  const std::string boundary = content_type.substr(quote + 10, content_type.size() - quote - 11);
  const std::string delimiter = "\r\n--" + boundary;

  std::vector<ParsedPart> sections;
  std::size_t at = top.body.find(delimiter);
  ASSERT_NE(at, std::string::npos);
  while (true) {
    at += delimiter.size();
    if (top.body.compare(at, 4, "--\r\n") == 0) break;
    ASSERT_EQ(top.body.compare(at, 2, "\r\n"), 0);
    const std::size_t next = top.body.find(delimiter, at);
    ASSERT_NE(next, std::string::npos);
    sections.push_back(parse_part(std::string_view(top.body).substr(at + 2, next - (at + 2))));
    at = next;
  }
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].headers.at("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(sections[0].headers.at("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(base64_decode(sections[0].body), parts.plain_text);
  EXPECT_EQ(sections[1].headers.at("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(sections[1].headers.at("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(base64_decode(sections[1].body), parts.html);
}

TEST(MimeMessage, EveryLineEndsInCrlfAndIsShort) {
  const std::string message = build_mime_message(sample());
  EXPECT_TRUE(message.ends_with("--\r\n"));
  for (std::size_t at = message.find('\n'); at != std::string::npos; at = message.find('\n', at + 1)) {
    ASSERT_GT(at, 0u);
    ASSERT_EQ(message[at - 1], '\r') << "bare LF at byte " << at;
  }
  for (const std::string_view line : lines_of(message)) {
    EXPECT_LE(line.size(), 78u) << line;
    // Only ASCII on the wire: the UTF-8 content is all inside base64.
    for (const char character : line) ASSERT_LT(static_cast<unsigned char>(character), 0x80u);
  }
}

TEST(MimeMessage, TheSameAttemptGivesTheSameMessage) {
  MimeMessageParts parts = sample();
  EXPECT_EQ(build_mime_message(parts), build_mime_message(parts));
  parts.attempt_id = "2026-10/12345/1";
  const ParsedPart next_round = parse_part(build_mime_message(parts));
  EXPECT_EQ(next_round.headers.at("Message-ID"), "<tr1l.2026-10.12345.1@tr1l.example>");
}

TEST(MimeMessage, DisplayNameIsEncodedWhenNotPlainAscii) {
  MimeMessageParts parts = sample();
  parts.from_display_name = "TR1L 청구서";
  const std::string from = parse_part(build_mime_message(parts)).headers.at("From");
  ASSERT_TRUE(from.ends_with(" <billing@tr1l.example>")) << from;
  EXPECT_EQ(decode_encoded_words(from.substr(0, from.size() - 23)), "TR1L 청구서");
  parts.from_display_name = "TR1L Billing";
  EXPECT_EQ(parse_part(build_mime_message(parts)).headers.at("From"), "TR1L Billing <billing@tr1l.example>");
}

TEST(MimeMessage, ShortAsciiSubjectStaysReadable) {
  MimeMessageParts parts = sample();
  parts.subject = "Your October invoice";
  EXPECT_EQ(parse_part(build_mime_message(parts)).headers.at("Subject"), "Your October invoice");
  parts.subject = "looks like =?UTF-8?B?x?= but is not";
  EXPECT_EQ(decode_encoded_words(parse_part(build_mime_message(parts)).headers.at("Subject")), parts.subject);
  parts.subject = "";
  EXPECT_EQ(parse_part(build_mime_message(parts)).headers.at("Subject"), "");
}

TEST(MimeMessage, EncodedWordsNeverSplitACharacterAndStayWithinLimits) {
  for (std::size_t length = 0; length < 120; ++length) {
    std::string subject;
    for (std::size_t index = 0; index < length; ++index) subject += index % 3 == 0 ? "a" : (index % 3 == 1 ? "한" : "😀");
    const std::string encoded = encode_header_words(subject, 9);
    EXPECT_EQ(decode_encoded_words(encoded), subject);
    // RFC 2047 §2: a line holding encoded-words is at most 76 characters, "Subject: " included.
    std::size_t line_used = 9;
    for (std::size_t line_start = 0; line_start <= encoded.size();) {
      const std::size_t line_end = std::min(encoded.find("\r\n", line_start), encoded.size());
      EXPECT_LE(line_used + line_end - line_start, 76u) << length;
      line_used = 0;
      line_start = line_end + 2;
    }
    std::size_t start = 0;
    while (start < encoded.size()) {
      const std::size_t word_end = std::min(encoded.find_first_of(" \r", start), encoded.size());
      const std::string_view word = std::string_view(encoded).substr(start, word_end - start);
      EXPECT_LE(word.size(), 75u);
      // Each word decodes to whole UTF-8 characters: it never starts on a continuation byte.
      const std::string bytes = base64_decode(word.substr(10, word.size() - 12));
      if (!bytes.empty()) {
        EXPECT_NE(static_cast<unsigned char>(bytes[0]) & 0xC0, 0x80u);
      }
      start = encoded.find_first_not_of(" \r\n", word_end);
      if (start == std::string::npos) break;
    }
  }
}

TEST(MimeMessage, RefusesValuesThatCouldInjectHeaders) {
  for (const char* address : {"a@b.example\r\nBcc: x@y.example", "a b@c.example", "<a@b.example>", "a@b@c.example",
                              "no-at-sign", "\"quoted\"@b.example"}) {
    MimeMessageParts parts = sample();
    parts.to_address = address;
    EXPECT_THROW(build_mime_message(parts), MimeError) << address;
    try {
      build_mime_message(parts);
    } catch (const MimeError& error) {
      EXPECT_EQ(std::string(error.what()).find(address), std::string::npos);
    }
  }
  MimeMessageParts parts = sample();
  parts.attempt_id = "2026-10/1/0\r\nBcc: x@y.example";
  EXPECT_THROW(build_mime_message(parts), MimeError);
  parts.attempt_id = "";
  EXPECT_THROW(build_mime_message(parts), MimeError);
  // A subject with a line break cannot break out: it is encoded.
  parts = sample();
  parts.subject = "hello\r\nBcc: x@y.example";
  const ParsedPart top = parse_part(build_mime_message(parts));
  EXPECT_EQ(top.headers.count("Bcc"), 0u);
  EXPECT_EQ(decode_encoded_words(top.headers.at("Subject")), parts.subject);
}

TEST(MimeMessage, Base64LinesAndDate) {
  EXPECT_EQ(base64_lines(""), "");
  EXPECT_EQ(base64_lines("f"), "Zg==\r\n");
  EXPECT_EQ(base64_lines("fo"), "Zm8=\r\n");
  EXPECT_EQ(base64_lines("foobar"), "Zm9vYmFy\r\n");
  const std::string long_lines = base64_lines(std::string(100, 'a'));
  EXPECT_EQ(long_lines.find("\r\n"), 76u);
  EXPECT_EQ(base64_decode(long_lines), std::string(100, 'a'));
  EXPECT_EQ(format_message_date(std::chrono::system_clock::time_point(0s)), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_message_date(std::chrono::system_clock::time_point(std::chrono::seconds(1803999599))),
            "Tue, 02 Mar 2027 14:59:59 +0000");
  EXPECT_EQ(message_id_for_attempt("a//b c", "x.example"), "<tr1l.a.b.c@x.example>");
}

}  // namespace
}  // namespace tr1l::adapters::smtp
