#include "domain/contact.h"

#include <algorithm>
#include <array>

namespace tr1l::domain {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

bool is_ascii_letter(char character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z');
}
bool is_ascii_digit(char character) { return character >= '0' && character <= '9'; }
char to_lower_ascii(char character) {
  return character >= 'A' && character <= 'Z' ? static_cast<char>(character - 'A' + 'a') : character;
}

template <typename Result>
std::optional<Result> reject(ContactProblem* problem, std::string reason) {
  if (problem != nullptr) problem->reason = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> normalise_email(std::string_view raw, ContactProblem* problem) {
  const std::string_view email = trim(raw);
  if (email.empty()) return reject<std::string>(problem, "e-mail is empty");
  if (email.size() > 254) return reject<std::string>(problem, "e-mail is longer than 254 characters");
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos) return reject<std::string>(problem, "e-mail has no '@'");
  if (email.find('@', at + 1) != std::string_view::npos) {
    return reject<std::string>(problem, "e-mail has more than one '@'");
  }
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);

  if (local.empty()) return reject<std::string>(problem, "e-mail has an empty local part");
  if (local.size() > 64) return reject<std::string>(problem, "e-mail local part is longer than 64 characters");
  if (!std::all_of(local.begin(), local.end(), [](char character) { return character > ' ' && character < 0x7f; })) {
    return reject<std::string>(problem, "e-mail local part has a blank or a character that is not printable ASCII");
  }

  if (domain.empty()) return reject<std::string>(problem, "e-mail has no domain");
  if (!std::all_of(domain.begin(), domain.end(), [](char character) {
        return is_ascii_letter(character) || is_ascii_digit(character) || character == '-' || character == '.';
      })) {
    return reject<std::string>(problem, "e-mail domain may only hold letters, digits, hyphens and dots");
  }
  std::size_t label_count = 0;
  std::string_view last_label;
  for (std::size_t start = 0; start <= domain.size();) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    last_label = domain.substr(start, end - start);
    if (last_label.empty()) return reject<std::string>(problem, "e-mail domain has an empty label");
    ++label_count;
    start = end + 1;
  }
  // "user@localhost" and the like cannot receive a bill, so a domain needs a dot.
  if (label_count < 2) return reject<std::string>(problem, "e-mail domain has no dot");
  if (last_label.size() < 2 || !std::all_of(last_label.begin(), last_label.end(), is_ascii_letter)) {
    return reject<std::string>(problem, "e-mail domain must end in a label of at least two letters");
  }

  std::string normalised(local);
  normalised += '@';
  std::transform(domain.begin(), domain.end(), std::back_inserter(normalised), to_lower_ascii);
  return normalised;
}

std::optional<std::string> normalise_phone(std::string_view raw, ContactProblem* problem) {
  const std::string_view phone = trim(raw);
  if (phone.empty()) return reject<std::string>(problem, "phone number is empty");
  std::string digits;
  for (char character : phone) {
    if (is_ascii_digit(character)) {
      digits += character;
    } else if (character != '-' && character != ' ' && character != '\t') {
      return reject<std::string>(problem, "phone number may only hold digits, hyphens and blanks");
    }
  }
  if (digits.size() != 10 && digits.size() != 11) {
    return reject<std::string>(problem,
                               "phone number must have 10 or 11 digits, not " + std::to_string(digits.size()));
  }
  constexpr std::array<std::string_view, 6> mobile_prefixes = {"010", "011", "016", "017", "018", "019"};
  const std::string_view prefix = std::string_view(digits).substr(0, 3);
  if (std::find(mobile_prefixes.begin(), mobile_prefixes.end(), prefix) == mobile_prefixes.end()) {
    return reject<std::string>(problem, "phone number must start with 010, 011, 016, 017, 018 or 019");
  }
  const std::size_t middle_length = digits.size() - 7;
  return digits.substr(0, 3) + "-" + digits.substr(3, middle_length) + "-" + digits.substr(3 + middle_length);
}

}  // namespace tr1l::domain
