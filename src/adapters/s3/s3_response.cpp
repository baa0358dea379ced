#include "adapters/s3/s3_response.h"

#include <algorithm>
#include <utility>

namespace tr1l::adapters::s3 {
namespace {

std::string unescape_xml(std::string_view text) {
  std::string plain;
  plain.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] == '&') {
      static constexpr std::pair<std::string_view, char> entities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool replaced = false;
      for (const auto& [entity, character] : entities) {
        if (text.substr(index).starts_with(entity)) {
          plain.push_back(character);
          index += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    plain.push_back(text[index]);
  }
  return plain;
}

std::string element_text(std::string_view body, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const std::size_t start = body.find(open);
  if (start == std::string_view::npos) return {};
  const std::size_t text_start = start + open.size();
  const std::size_t end = body.find(close, text_start);
  if (end == std::string_view::npos) return {};
  // Messages are one line in practice; cap them so a misbehaving server cannot flood logs.
  constexpr std::size_t max_length = 512;
  return unescape_xml(body.substr(text_start, std::min(end - text_start, max_length)));
}

}  // namespace

S3ErrorDetails parse_s3_error(std::string_view body) {
  const std::size_t error_start = body.find("<Error>");
  if (error_start == std::string_view::npos) return {};
  body = body.substr(error_start);
  return S3ErrorDetails{element_text(body, "Code"), element_text(body, "Message")};
}

bool is_retryable_response(long http_status, std::string_view error_code) {
  if (error_code == "SlowDown" || error_code == "RequestTimeout" || error_code == "InternalError" ||
      error_code == "ServiceUnavailable") {
    return true;
  }
  if (http_status == 429) return true;
  return http_status >= 500 && http_status != 501;
}

}  // namespace tr1l::adapters::s3
