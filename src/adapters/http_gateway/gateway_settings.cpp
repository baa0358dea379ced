#include "adapters/http_gateway/gateway_settings.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "common/url_query.h"

namespace tr1l::adapters::http_gateway {
namespace {

long parse_whole_number(const std::string& name, const std::string& value, long minimum, long maximum) {
  long number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size() || number < minimum || number > maximum) {
    throw GatewayConfigurationError("gateway URL: " + name + " must be a whole number from " + std::to_string(minimum) +
                                    " to " + std::to_string(maximum));
  }
  return number;
}

}  // namespace

GatewaySettings parse_gateway_settings(std::string_view url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    throw GatewayConfigurationError("gateway URL must start with http:// or https://");
  }
  SplitUrl split;
  try {
    split = split_url(url);
  } catch (const UrlQueryError& error) {
    throw GatewayConfigurationError(std::string("gateway ") + error.what());
  }
  const std::string_view base = split.base;
  const std::string_view rest = base.substr(base.find("://") + 3);
  const std::string_view authority = rest.substr(0, std::min(rest.find('/'), rest.size()));
  if (authority.find('@') != std::string_view::npos) {
    throw GatewayConfigurationError("gateway URL must not hold credentials; set TR1L_GATEWAY_TOKEN");
  }
  if (authority.empty() || authority_host(authority).empty()) throw GatewayConfigurationError("gateway URL has no host");
  if (base.find_first_of("# \t\r\n") != std::string_view::npos) {
    throw GatewayConfigurationError("gateway URL has a fragment or a blank");
  }

  GatewaySettings settings;
  settings.endpoint = std::string(base);
  for (const auto& [name, value] : split.parameters) {
    if (name == "timeout") {
      settings.timeout = std::chrono::seconds(parse_whole_number(name, value, 1, 600));
    } else if (name == "max_tries") {
      settings.retry.max_tries = static_cast<int>(parse_whole_number(name, value, 1, 20));
    } else if (name == "backoff_ms") {
      settings.retry.first_backoff = std::chrono::milliseconds(parse_whole_number(name, value, 0, 600'000));
    } else if (name == "backoff_max_ms") {
      settings.retry.max_backoff = std::chrono::milliseconds(parse_whole_number(name, value, 0, 600'000));
    } else if (name == "retry_after_max") {
      settings.retry.max_retry_after = std::chrono::seconds(parse_whole_number(name, value, 0, 600));
    } else {
      throw GatewayConfigurationError("gateway URL: unknown parameter " + name);
    }
  }
  if (settings.retry.max_backoff < settings.retry.first_backoff) {
    throw GatewayConfigurationError("gateway URL: backoff_max_ms is less than backoff_ms");
  }
  return settings;
}

std::optional<std::string> gateway_token_from_environment() {
  const char* value = std::getenv("TR1L_GATEWAY_TOKEN");
  if (value == nullptr || *value == '\0') return std::nullopt;
  const std::string token(value);
  if (!std::all_of(token.begin(), token.end(), [](char character) { return character > ' ' && character < 0x7f; })) {
    throw GatewayConfigurationError("TR1L_GATEWAY_TOKEN holds a blank or a character that is not printable ASCII");
  }
  return token;
}

}  // namespace tr1l::adapters::http_gateway
