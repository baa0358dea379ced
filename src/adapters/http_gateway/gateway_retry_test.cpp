// Which gateway answers are retried, how long the sender waits, and the gateway URL, without a
// server.
#include "adapters/http_gateway/gateway_retry.h"

#include <gtest/gtest.h>

#include "adapters/http_gateway/gateway_settings.h"

namespace tr1l::adapters::http_gateway {
namespace {

using namespace std::chrono_literals;

TryOutcome status(int code, std::optional<std::chrono::seconds> retry_after = std::nullopt) {
  return {code, CURLE_OK, retry_after};
}
TryOutcome transport(CURLcode code) { return {0, code, std::nullopt}; }

TEST(GatewayRetry, SuccessIsSentWhateverTheTry) {
  const RetryPolicy policy;
  for (const int code : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(decide_after_try(policy, 1, status(code), 0.5).verdict, Verdict::sent) << code;
    EXPECT_EQ(decide_after_try(policy, 4, status(code), 0.5).verdict, Verdict::sent) << code;
  }
}

TEST(GatewayRetry, ThrottlingServerErrorsAndConnectionFailuresAreRetriedUntilMaxTries) {
  const RetryPolicy policy;  // 4 tries
  for (const TryOutcome& outcome : {status(429), status(500), status(502), status(503), status(504),
                                    transport(CURLE_COULDNT_CONNECT), transport(CURLE_OPERATION_TIMEDOUT),
                                    transport(CURLE_GOT_NOTHING), transport(CURLE_RECV_ERROR)}) {
    for (int tries = 1; tries < 4; ++tries) {
      EXPECT_EQ(decide_after_try(policy, tries, outcome, 0.5).verdict, Verdict::retry)
          << outcome.http_status << "/" << outcome.transport << " try " << tries;
    }
    const Decision last = decide_after_try(policy, 4, outcome, 0.5);
    EXPECT_EQ(last.verdict, Verdict::give_up);
    EXPECT_TRUE(last.exhausted);
  }
}

TEST(GatewayRetry, OtherAnswersFailAtOnce) {
  const RetryPolicy policy;
  for (const TryOutcome& outcome : {status(400), status(401), status(403), status(404), status(409), status(413),
                                    status(422), status(301), status(100), transport(CURLE_SSL_CACERT_BADFILE),
                                    transport(CURLE_PEER_FAILED_VERIFICATION), transport(CURLE_URL_MALFORMAT)}) {
    const Decision decision = decide_after_try(policy, 1, outcome, 0.5);
    EXPECT_EQ(decision.verdict, Verdict::give_up) << outcome.http_status << "/" << outcome.transport;
    EXPECT_FALSE(decision.exhausted);
  }
}

TEST(GatewayRetry, BackoffDoublesWithJitterUpToTheCap) {
  const RetryPolicy policy{10, 200ms, 5'000ms, 30s};
  // Retry n waits in [d/2, d], d = min(5000, 200 * 2^(n-1)).
  const std::chrono::milliseconds ceilings[] = {200ms, 400ms, 800ms, 1600ms, 3200ms, 5000ms, 5000ms};
  for (int retry = 1; retry <= 7; ++retry) {
    const auto ceiling = ceilings[retry - 1];
    EXPECT_EQ(backoff_delay(policy, retry, 0.0), ceiling / 2) << retry;
    EXPECT_LE(backoff_delay(policy, retry, 0.999999), ceiling) << retry;
    EXPECT_GE(backoff_delay(policy, retry, 0.999999), ceiling - 1ms) << retry;
  }
  EXPECT_EQ(backoff_delay(policy, 1000, 0.0), 2500ms);  // no overflow far out
  EXPECT_EQ(decide_after_try(policy, 2, status(503), 0.0).delay, 200ms);
  EXPECT_EQ(backoff_delay(RetryPolicy{4, 0ms, 0ms, 30s}, 3, 0.7), 0ms);
}

TEST(GatewayRetry, RetryAfterIsHonouredAndCapped) {
  const RetryPolicy policy{4, 200ms, 5'000ms, 30s};
  EXPECT_EQ(decide_after_try(policy, 1, status(429, 1s), 0.9).delay, 1000ms);
  EXPECT_EQ(decide_after_try(policy, 1, status(503, 7s), 0.9).delay, 7000ms);
  EXPECT_EQ(decide_after_try(policy, 1, status(503, 0s), 0.9).delay, 0ms);
  EXPECT_EQ(decide_after_try(policy, 1, status(429, 3600s), 0.9).delay, 30'000ms);
  // Retry-After never turns a permanent answer into a retry, nor extends max_tries.
  EXPECT_EQ(decide_after_try(policy, 1, status(400, 1s), 0.9).verdict, Verdict::give_up);
  EXPECT_EQ(decide_after_try(policy, 4, status(429, 1s), 0.9).verdict, Verdict::give_up);
}

TEST(GatewayRetry, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("1"), 1s);
  EXPECT_EQ(parse_retry_after(" 120\r\n"), 120s);
  EXPECT_EQ(parse_retry_after("0"), 0s);
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5"), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_retry_after("99999999999999999999"), std::nullopt);
}

TEST(GatewaySettings, ParsesTheUrlAndKeepsTr1lParametersOutOfTheRequest) {
  const GatewaySettings settings = parse_gateway_settings(
      "https://gateway.example.com/v1/messages?timeout=5&max_tries=6&backoff_ms=500&backoff_max_ms=10000&retry_after_max=60");
  EXPECT_EQ(settings.endpoint, "https://gateway.example.com/v1/messages");
  EXPECT_EQ(settings.timeout, 5s);
  EXPECT_EQ(settings.retry.max_tries, 6);
  EXPECT_EQ(settings.retry.first_backoff, 500ms);
  EXPECT_EQ(settings.retry.max_backoff, 10'000ms);
  EXPECT_EQ(settings.retry.max_retry_after, 60s);

  const GatewaySettings defaults = parse_gateway_settings("http://127.0.0.1:8080/v1/messages");
  EXPECT_EQ(defaults.endpoint, "http://127.0.0.1:8080/v1/messages");
  EXPECT_EQ(defaults.timeout, 10s);
  EXPECT_EQ(defaults.retry.max_tries, 4);
}

TEST(GatewaySettings, RejectsBadUrlsWithoutEchoingSecrets) {
  for (const char* url : {"ftp://h/v1", "http://", "http:///v1", "http://h/v1?timeout=0", "http://h/v1?max_tries=0",
                          "http://h/v1?max_tries=x", "http://h/v1?retries=3", "http://h/v1?backoff_ms=900&backoff_max_ms=100",
                          "http://h/v1#frag", "http://h/v1?timeout"}) {
    EXPECT_THROW(parse_gateway_settings(url), GatewayConfigurationError) << url;
  }
  try {
    parse_gateway_settings("https://api:s3cret-token@gateway.example.com/v1/messages");
    ADD_FAILURE() << "user info accepted";
  } catch (const GatewayConfigurationError& error) {
    EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tr1l::adapters::http_gateway
