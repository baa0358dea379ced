// Validation and normalisation of contact details as they arrive from the operator's exports.
// The normalised form is what gets encrypted and what the blind index is computed over.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tr1l::domain {

struct ContactProblem {
  std::string reason;  // e.g. "e-mail has no domain", never echoing the full value
};

// Trims surrounding blanks and lower-cases the domain part; requires exactly one '@', a local
// part of 1-64 printable ASCII characters without blanks, and a domain of dot-separated labels
// (letters, digits, hyphens) ending in a label of at least two letters. At most 254 characters.
std::optional<std::string> normalise_email(std::string_view raw, ContactProblem* problem = nullptr);

// Korean mobile numbers: 010/011/016/017/018/019 followed by 7 or 8 digits, with or without
// hyphens or blanks ("010-1234-5678", "01012345678", "011 234 5678"). Normalised as
// "010-1234-5678" / "011-234-5678".
std::optional<std::string> normalise_phone(std::string_view raw, ContactProblem* problem = nullptr);

}  // namespace tr1l::domain
