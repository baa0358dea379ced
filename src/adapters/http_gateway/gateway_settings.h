// Where the SMS / KakaoTalk gateway is and how hard to try, parsed from the gateway URL
//
//   http://127.0.0.1:8080/v1/messages?timeout=10&max_tries=4
//   https://gateway.example.com/v1/messages?timeout=5&max_tries=6&backoff_ms=500&backoff_max_ms=10000
//
// Parameters (all optional): timeout (seconds per try, default 10), max_tries (first try
// included, default 4), backoff_ms / backoff_max_ms (exponential backoff with jitter, default 200
// and 5000), retry_after_max (seconds; a longer Retry-After is cut to this, default 30). They are
// TR1L's and are not sent; the request goes to the URL without its query. The bearer token is
// never in the URL: it comes from TR1L_GATEWAY_TOKEN.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "adapters/http_gateway/gateway_retry.h"

namespace tr1l::adapters::http_gateway {

// The configuration is unusable; the message never repeats a secret.
class GatewayConfigurationError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct GatewaySettings {
  std::string endpoint;  // the URL requests are POSTed to
  std::chrono::seconds timeout{10};
  RetryPolicy retry;
};

// Throws GatewayConfigurationError naming what is wrong.
GatewaySettings parse_gateway_settings(std::string_view url);

// TR1L_GATEWAY_TOKEN, or nullopt when unset or empty. Throws GatewayConfigurationError when it
// holds a character that cannot go into a header.
std::optional<std::string> gateway_token_from_environment();

}  // namespace tr1l::adapters::http_gateway
