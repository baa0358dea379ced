// A URL split into the part before '?' and its decoded query parameters, for the adapters whose
// configuration is one URL ("smtp://host:2525?from=a@b.example&timeout=30"). Values may be
// percent-encoded; '+' is a literal plus (an e-mail local part may contain one), not a blank.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tr1l {

class UrlQueryError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct SplitUrl {
  std::string base;  // everything before '?', unchanged
  std::vector<std::pair<std::string, std::string>> parameters;  // in order, decoded

  // The value of the last parameter with this name.
  std::optional<std::string> find(std::string_view name) const;
};

// Throws UrlQueryError for a bad percent escape or a parameter without '=' or a name; the message
// names the parameter but never repeats a value (a value may be a secret).
SplitUrl split_url(std::string_view url);

std::optional<std::string> percent_decode(std::string_view text);

// "scheme://user@host:port/path" -> "host:port" (user info dropped); "" when there is no "://".
std::string_view url_authority(std::string_view url);

// The host of an authority, without port or IPv6 brackets: "[::1]:25" -> "::1".
std::string_view authority_host(std::string_view authority);

// 127.0.0.0/8, ::1 or "localhost": connections that never leave the machine.
bool is_loopback_host(std::string_view host);

}  // namespace tr1l
