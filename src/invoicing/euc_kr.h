// How many bytes a text takes in EUC-KR, the encoding Korean SMS limits are counted in
// (90 bytes: 45 Hangul or 90 ASCII characters).
//
// The count uses CP949 (Unified Hangul Code), the superset of EUC-KR that Korean handsets and SMS
// gateways actually send: it gives every character of EUC-KR proper the same length, and also
// encodes in 2 bytes the 8,822 modern Hangul syllables that KS X 1001 lacks (똠, 햏, 뷁…), which
// strict EUC-KR would reject although customers carry them in their names.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tr1l::invoicing {

// Throws std::invalid_argument when `utf8` is not valid UTF-8 or has a character with no EUC-KR
// (CP949) form, such as an emoji.
std::size_t euc_kr_length(std::string_view utf8);

// The same, but std::nullopt instead of an exception.
std::optional<std::size_t> try_euc_kr_length(std::string_view utf8);

}  // namespace tr1l::invoicing
