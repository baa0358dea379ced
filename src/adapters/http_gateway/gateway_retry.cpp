#include "adapters/http_gateway/gateway_retry.h"

#include <algorithm>
#include <charconv>

#include "adapters/curl/transport_errors.h"

namespace tr1l::adapters::http_gateway {

bool is_retryable(const TryOutcome& outcome) {
  if (outcome.http_status == 0) return curl::is_retryable_transport_error(outcome.transport);
  return outcome.http_status == 429 || (outcome.http_status >= 500 && outcome.http_status <= 599);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random) {
  const long long first = std::max<long long>(policy.first_backoff.count(), 0);
  const long long cap = std::max<long long>(policy.max_backoff.count(), 0);
  long long ceiling = first;
  // Doubling stops at the cap, so a large retry number never overflows.
  for (int step = 1; step < retry && ceiling < cap; ++step) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const double jitter = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(ceiling / 2 + static_cast<long long>(jitter * static_cast<double>(ceiling - ceiling / 2)));
}

Decision decide_after_try(const RetryPolicy& policy, int tries_done, const TryOutcome& outcome, double unit_random) {
  if (outcome.http_status >= 200 && outcome.http_status <= 299) return {Verdict::sent, {}, false};
  if (!is_retryable(outcome)) return {Verdict::give_up, {}, false};
  if (tries_done >= policy.max_tries) return {Verdict::give_up, {}, true};
  if (outcome.retry_after && outcome.http_status != 0) {
    const auto wait = std::clamp(*outcome.retry_after, std::chrono::seconds(0), policy.max_retry_after);
    return {Verdict::retry, std::chrono::duration_cast<std::chrono::milliseconds>(wait), false};
  }
  return {Verdict::retry, backoff_delay(policy, tries_done, unit_random), false};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty() || value.size() > 9) return std::nullopt;
  long seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace tr1l::adapters::http_gateway
