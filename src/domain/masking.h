// The one masking rule for personal data, used in every document, log line and API answer.
// Works on Unicode code points (UTF-8), so Hangul names mask by character, not by byte.
#pragma once

#include <string>
#include <string_view>

namespace tr1l::domain {

// "김민준" -> "김*준", "남궁민수" -> "남**수", "이준" -> "이*", "김" -> "*", "" -> "".
std::string mask_name(std::string_view name);

// "010-1234-5678" (or "01012345678") -> "010-****-5678"; the middle group is hidden whatever its
// length. Anything that is not a phone number masks to all stars but the last four digits.
std::string mask_phone(std::string_view phone);

// "abcdef@example.com" -> "ab***@example.com", "a@x.kr" -> "a***@x.kr"; without '@', "***".
std::string mask_email(std::string_view email);

}  // namespace tr1l::domain
