#include "common/url_query.h"

#include <algorithm>

namespace tr1l {
namespace {

int hex_value(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> SplitUrl::find(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [parameter, value] : parameters) {
    if (parameter == name) found = value;
  }
  return found;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] != '%') {
      decoded.push_back(text[index]);
      continue;
    }
    if (index + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[index + 1]);
    const int low = hex_value(text[index + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    index += 2;
  }
  return decoded;
}

SplitUrl split_url(std::string_view url) {
  SplitUrl split;
  const std::size_t question = url.find('?');
  split.base = std::string(url.substr(0, question));
  if (question == std::string_view::npos) return split;
  std::string_view query = url.substr(question + 1);
  while (!query.empty()) {
    const std::size_t ampersand = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, ampersand);
    query.remove_prefix(std::min(ampersand + 1, query.size()));
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    const auto name = percent_decode(pair.substr(0, equals));
    if (!name || name->empty()) throw UrlQueryError("URL has a query parameter without a name");
    if (equals == std::string_view::npos) throw UrlQueryError("URL parameter " + *name + " has no '=value'");
    auto value = percent_decode(pair.substr(equals + 1));
    if (!value) throw UrlQueryError("URL parameter " + *name + " has a bad percent escape");
    split.parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return split;
}

std::string_view url_authority(std::string_view url) {
  const std::size_t marker = url.find("://");
  if (marker == std::string_view::npos) return {};
  std::string_view rest = url.substr(marker + 3);
  rest = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  const std::size_t at = rest.rfind('@');
  return at == std::string_view::npos ? rest : rest.substr(at + 1);
}

std::string_view authority_host(std::string_view authority) {
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    return close == std::string_view::npos ? authority.substr(1) : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.rfind(':'));
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // Only an IPv4 literal: "127.example.com" is a name anyone can point anywhere.
  return host.starts_with("127.") && std::all_of(host.begin(), host.end(), [](char character) {
           return (character >= '0' && character <= '9') || character == '.';
         });
}

}  // namespace tr1l
