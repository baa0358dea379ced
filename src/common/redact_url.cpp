#include "common/redact_url.h"

#include <algorithm>

namespace tr1l {

std::string redact_url(std::string_view url) {
  const std::size_t scheme_marker = url.find("://");
  if (scheme_marker == std::string_view::npos) return std::string(url);
  const std::size_t scheme_end = scheme_marker + 3;
  std::string redacted(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end);
  std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user_info = authority.substr(0, at);
    redacted += user_info.substr(0, user_info.find(':'));
    redacted += authority.substr(at);
  } else {
    redacted += authority;
  }
  std::string_view path_and_query = rest.substr(authority_end);
  std::size_t question = path_and_query.find('?');
  redacted += path_and_query.substr(0, question);
  if (question == std::string_view::npos) return redacted;

  std::string_view query = path_and_query.substr(question + 1);
  std::string kept;
  while (!query.empty()) {
    std::size_t ampersand = std::min(query.find('&'), query.size());
    std::string_view parameter = query.substr(0, ampersand);
    query.remove_prefix(std::min(ampersand + 1, query.size()));
    if (parameter.substr(0, parameter.find('=')) == "password") continue;
    if (!kept.empty()) kept += '&';
    kept += parameter;
  }
  if (!kept.empty()) redacted += "?" + kept;
  return redacted;
}

}  // namespace tr1l
