#include "adapters/http_gateway/http_gateway_sender.h"

#include <strings.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <utility>

#include "adapters/s3/curl_handles.h"
#include "common/redact_contacts.h"

namespace tr1l::adapters::http_gateway {
namespace {

constexpr std::size_t max_idle_connections = 64;
constexpr long max_connect_seconds = 5;
// The answer is a small JSON object; only its start is kept for error messages.
constexpr std::size_t max_kept_response = 4096;
constexpr std::size_t max_error_excerpt = 200;

struct Response {
  std::string body;
  std::optional<std::chrono::seconds> retry_after;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<Response*>(user);
  const std::size_t length = size * count;
  const std::size_t room = max_kept_response - std::min(max_kept_response, response.body.size());
  response.body.append(data, std::min(length, room));
  return length;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<Response*>(user);
  const std::string_view line(data, size * count);
  // A new status line (after a 100 Continue, say) starts a new response.
  if (line.starts_with("HTTP/")) {
    response.retry_after.reset();
  } else if (line.size() > 12 && strncasecmp(line.data(), "retry-after:", 12) == 0) {
    response.retry_after = parse_retry_after(line.substr(12));
  }
  return size * count;
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char character) {
    const auto byte = static_cast<unsigned char>(character);
    return byte < 0x20 || byte == 0x7f;
  });
}

double unit_random() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::string tries_text(int tries) { return std::to_string(tries) + (tries == 1 ? " try" : " tries"); }

}  // namespace

std::string gateway_request_body(const ports::OutgoingMessage& message) {
  const nlohmann::json body = {{"channel", domain::to_string(message.channel)},
                               {"to", message.destination},
                               {"text", message.body},
                               {"reference", message.attempt_id},
                               {"user_id", message.user_id},
                               {"month", message.month},
                               {"round", message.round}};
  return body.dump();
}

HttpGatewaySender::HttpGatewaySender(GatewaySettings settings, std::optional<std::string> bearer_token)
    : settings_(std::move(settings)), handles_(max_idle_connections) {
  if (bearer_token) {
    if (bearer_token->empty() || has_control_character(*bearer_token)) {
      throw GatewayConfigurationError("gateway token is empty or holds a control character");
    }
    authorization_header_ = "Authorization: Bearer " + *bearer_token;
  }
}

std::unique_ptr<HttpGatewaySender> HttpGatewaySender::open(std::string_view url) {
  return std::make_unique<HttpGatewaySender>(parse_gateway_settings(url), gateway_token_from_environment());
}

ports::SendResult HttpGatewaySender::send(const ports::OutgoingMessage& message) {
  if (message.channel != domain::Channel::Sms && message.channel != domain::Channel::Kakao) {
    return {false, "gateway: cannot send a " + std::string(domain::to_string(message.channel)) + " message"};
  }
  if (message.destination.empty()) return {false, "gateway: the message has no phone number"};
  if (message.attempt_id.empty() || has_control_character(message.attempt_id) || message.attempt_id.size() > 200) {
    return {false, "gateway: the attempt id cannot be an idempotency key"};
  }
  std::string body;
  try {
    body = gateway_request_body(message);
  } catch (const nlohmann::json::exception&) {
    return {false, "gateway: the message text is not valid UTF-8"};
  }

  s3::HeaderList headers;
  for (const std::string& header : {std::string("Content-Type: application/json"), std::string("Accept: application/json"),
                                    "Idempotency-Key: " + message.attempt_id,
                                    // curl would otherwise wait for "100 Continue" before larger bodies.
                                    std::string("Expect:"), authorization_header_}) {
    if (header.empty()) continue;
    // Appending returns the list's head, which is new only for the first header.
    curl_slist* head = curl_slist_append(headers.get(), header.c_str());
    if (head == nullptr) return {false, "gateway: out of memory"};
    if (!headers) headers.reset(head);
  }

  curl::EasyHandlePool::Lease lease = handles_.acquire();
  CURL* handle = lease.get();
  for (int tries = 1;; ++tries) {
    Response response;
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, settings_.endpoint.c_str());
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "tr1l");
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count() * 1000));
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, std::min<long>(max_connect_seconds, settings_.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we run in many threads
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    // A redirect would resend the phone number somewhere the configuration did not name.
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);

    TryOutcome outcome;
    outcome.transport = curl_easy_perform(handle);
    if (outcome.transport == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      outcome.http_status = static_cast<int>(status);
      outcome.retry_after = response.retry_after;
    }
    const Decision decision = decide_after_try(settings_.retry, tries, outcome, unit_random());
    switch (decision.verdict) {
      case Verdict::sent:
        return {true, {}};
      case Verdict::retry:
        std::this_thread::sleep_for(decision.delay);
        continue;
      case Verdict::give_up:
        break;
    }

    if (outcome.http_status != 0) {
      const std::string status = "gateway " + std::to_string(outcome.http_status);
      if (decision.exhausted) return {false, status + " after " + tries_text(tries)};
      const std::string excerpt = redact_contacts(response.body, message.destination, max_error_excerpt);
      return {false, excerpt.empty() ? status : status + ": " + excerpt};
    }
    const std::string detail = redact_contacts(error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(outcome.transport),
                                               message.destination, max_error_excerpt);
    const std::string what = outcome.transport == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection failed";
    if (decision.exhausted) return {false, "gateway " + what + " after " + tries_text(tries) + ": " + detail};
    return {false, std::string("gateway ") + curl_easy_strerror(outcome.transport) + ": " + detail};
  }
}

}  // namespace tr1l::adapters::http_gateway
