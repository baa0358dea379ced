// When the HTTP gateway sender tries again, and how long it waits first. Pure functions of the
// try's outcome, so every rule is tested without a server:
//   2xx                                   sent
//   429, 5xx, retryable connection errors try again, up to max_tries in all, waiting the
//                                         Retry-After seconds when given (capped), else
//                                         exponential backoff with jitter
//   any other status or connection error  fail at once (the request itself is wrong)
// Retrying is safe because every try carries the attempt's idempotency key.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace tr1l::adapters::http_gateway {

struct RetryPolicy {
  int max_tries = 4;  // first try included
  // Retry n (1-based) waits a random time in [d/2, d], d = min(max_backoff, first_backoff * 2^(n-1)).
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::seconds max_retry_after{30};  // a longer Retry-After is cut to this
};

struct TryOutcome {
  int http_status = 0;                            // 0: no HTTP response at all
  CURLcode transport = CURLE_OK;                  // the failure when there was no response
  std::optional<std::chrono::seconds> retry_after;  // from the response's Retry-After header
};

enum class Verdict { sent, retry, give_up };

struct Decision {
  Verdict verdict = Verdict::give_up;
  std::chrono::milliseconds delay{0};  // before the next try, when verdict is retry
  bool exhausted = false;              // give_up because max_tries were used, not because it is permanent
};

// Whether this outcome could succeed when tried again (429, 5xx, and the connection errors of
// curl::is_retryable_transport_error).
bool is_retryable(const TryOutcome& outcome);

// tries_done counts the try just made (1 after the first). unit_random in [0, 1) picks the jitter.
Decision decide_after_try(const RetryPolicy& policy, int tries_done, const TryOutcome& outcome, double unit_random);

// The backoff before retry number `retry` (1-based), jitter from unit_random in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random);

// A Retry-After value in delta-seconds ("3"); nullopt for an HTTP-date or anything else.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

}  // namespace tr1l::adapters::http_gateway
