// HttpGatewaySender against the fake gateway (scripts/servers/fake-gateway.sh writes
// TR1L_TEST_GATEWAY_*): SMS and KakaoTalk requests arrive with the idempotency key and token;
// 503s, 429s with Retry-After and dropped connections are retried and the message is recorded
// once; 400 and 401 fail at once; a repeated attempt is recorded once; 16 threads at once are
// each recorded exactly once; no error names the phone number or the token.
#include "adapters/http_gateway/http_gateway_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace tr1l::adapters::http_gateway {
namespace {

using namespace std::chrono_literals;
using ports::OutgoingMessage;
using ports::SendResult;

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool have_gateway() {
  if (!variable("TR1L_TEST_GATEWAY_URL").empty()) return true;
  if (variable("TR1L_REQUIRE_SERVERS") == "1") {
    ADD_FAILURE() << "TR1L_TEST_GATEWAY_URL is not set but TR1L_REQUIRE_SERVERS=1 "
                     "(start one with scripts/servers/fake-gateway.sh start DIR and source DIR/env)";
  }
  return false;
}

// User ids unique to this process, so tests running side by side against one gateway (ctest -j)
// and reruns never share an idempotency key.
std::int64_t unique_user_id() {
  static std::atomic<std::int64_t> next = [] {
    std::random_device device;
    return static_cast<std::int64_t>(device() % 900'000'000) * 1000 + 1'000'000'000'000;
  }();
  return next++;
}

OutgoingMessage text_to(std::string destination, domain::Channel channel = domain::Channel::Sms,
                        std::int64_t user_id = unique_user_id()) {
  OutgoingMessage message;
  message.channel = channel;
  message.month = "2026-10";
  message.user_id = user_id;
  message.round = channel == domain::Channel::Kakao ? 2 : 1;
  message.attempt_id = "2026-10/" + std::to_string(user_id) + "/" + std::to_string(message.round);
  message.destination = std::move(destination);
  message.masked_destination = "010-****-5678";
  message.body = "[TR1L] 10월 청구금액 45,300원. 납부기한 11/25. \"상세\"는 메일 참조";
  return message;
}

std::vector<nlohmann::json> json_lines(const std::string& path, const std::string& key) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nlohmann::json record = nlohmann::json::parse(line);
    if (key.empty() || record["idempotency_key"] == key) lines.push_back(std::move(record));
  }
  return lines;
}

// Accepted messages (one per idempotency key) and every request the gateway saw.
std::vector<nlohmann::json> received(const std::string& key) { return json_lines(variable("TR1L_TEST_GATEWAY_LOG"), key); }
std::vector<nlohmann::json> tries(const std::string& key) { return json_lines(variable("TR1L_TEST_GATEWAY_TRIES"), key); }

std::vector<int> statuses(const std::string& key) {
  std::vector<int> seen;
  for (const auto& line : tries(key)) seen.push_back(line["status"].get<int>());
  return seen;
}

void expect_no_destination(const SendResult& result, const std::string& destination) {
  EXPECT_EQ(result.error.find(destination), std::string::npos) << result.error;
  // Not the number in any spelling either: the last eight digits never appear.
  std::string digits;
  for (const char character : destination) {
    if (character >= '0' && character <= '9') digits += character;
  }
  if (digits.size() >= 8) {
    EXPECT_EQ(result.error.find(digits.substr(digits.size() - 4)), std::string::npos) << result.error;
  }
}

class HttpGatewaySenderIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_gateway()) {
      if (!HasFailure()) GTEST_SKIP() << "no fake gateway: TR1L_TEST_GATEWAY_URL is not set";
    }
  }
  // Short backoff so retry tests stay fast; the rules are the same as in production.
  HttpGatewaySender sender(const std::string& parameters = "?backoff_ms=10&backoff_max_ms=50") {
    return HttpGatewaySender(parse_gateway_settings(variable("TR1L_TEST_GATEWAY_URL") + parameters),
                             variable("TR1L_TEST_GATEWAY_TOKEN"));
  }
};

TEST_F(HttpGatewaySenderIntegration, SmsAndKakaoArriveWithTheIdempotencyKey) {
  HttpGatewaySender gateway = sender();
  EXPECT_EQ(gateway.name(), "http-gateway");
  for (const domain::Channel channel : {domain::Channel::Sms, domain::Channel::Kakao}) {
    const OutgoingMessage message = text_to("010-2345-6789", channel);
    const SendResult result = gateway.send(message);
    ASSERT_TRUE(result.sent) << result.error;
    const auto accepted = received(message.attempt_id);
    ASSERT_EQ(accepted.size(), 1u);
    EXPECT_EQ(accepted[0]["authorized"], true);
    const nlohmann::json& body = accepted[0]["body"];
    EXPECT_EQ(body["channel"], std::string(domain::to_string(channel)));
    EXPECT_EQ(body["to"], "010-2345-6789");
    EXPECT_EQ(body["text"], message.body);
    EXPECT_EQ(body["reference"], message.attempt_id);
    EXPECT_EQ(body["user_id"], message.user_id);
    EXPECT_EQ(body["month"], "2026-10");
    EXPECT_EQ(body["round"], message.round);
    EXPECT_EQ(statuses(message.attempt_id), std::vector<int>{200});
  }
}

TEST_F(HttpGatewaySenderIntegration, ServiceUnavailableIsRetriedAndRecordedOnce) {
  HttpGatewaySender gateway = sender();
  const OutgoingMessage message = text_to("fail503:2:010-3456-7890");
  const SendResult result = gateway.send(message);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(statuses(message.attempt_id), (std::vector<int>{503, 503, 200}));
  EXPECT_EQ(received(message.attempt_id).size(), 1u);
}

TEST_F(HttpGatewaySenderIntegration, GivesUpAfterMaxTries) {
  HttpGatewaySender gateway = sender("?max_tries=3&backoff_ms=10&backoff_max_ms=20");
  const std::string destination = "fail503:99:010-4567-8901";
  const OutgoingMessage message = text_to(destination);
  const SendResult result = gateway.send(message);
  EXPECT_FALSE(result.sent);
  EXPECT_EQ(result.error, "gateway 503 after 3 tries");
  expect_no_destination(result, destination);
  EXPECT_EQ(statuses(message.attempt_id), (std::vector<int>{503, 503, 503}));
  EXPECT_TRUE(received(message.attempt_id).empty());
}

TEST_F(HttpGatewaySenderIntegration, TooManyRequestsWaitsForRetryAfter) {
  HttpGatewaySender gateway = sender();
  const OutgoingMessage message = text_to("fail429:1:010-5678-9012", domain::Channel::Kakao);
  const auto started = std::chrono::steady_clock::now();
  const SendResult result = gateway.send(message);
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_GE(waited, 950ms) << "Retry-After: 1 was not honoured";
  EXPECT_EQ(statuses(message.attempt_id), (std::vector<int>{429, 200}));
  EXPECT_EQ(received(message.attempt_id).size(), 1u);
}

TEST_F(HttpGatewaySenderIntegration, DroppedConnectionIsRetried) {
  HttpGatewaySender gateway = sender();
  const OutgoingMessage message = text_to("drop:1:010-6789-0123");
  const SendResult result = gateway.send(message);
  ASSERT_TRUE(result.sent) << result.error;
  EXPECT_EQ(statuses(message.attempt_id), (std::vector<int>{0, 200}));
  EXPECT_EQ(received(message.attempt_id).size(), 1u);
}

TEST_F(HttpGatewaySenderIntegration, BadRequestFailsAtOnceWithoutTheNumber) {
  HttpGatewaySender gateway = sender();
  // The fake echoes the number in its error, as real gateways do.
  const std::string destination = "reject400:010-9999-8888";
  const OutgoingMessage message = text_to(destination);
  const SendResult result = gateway.send(message);
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("gateway 400: ")) << result.error;
  EXPECT_NE(result.error.find("invalid recipient"), std::string::npos) << result.error;
  expect_no_destination(result, destination);
  EXPECT_EQ(result.error.find("9999-8888"), std::string::npos) << result.error;
  EXPECT_EQ(statuses(message.attempt_id), std::vector<int>{400});
}

TEST_F(HttpGatewaySenderIntegration, WrongTokenFailsAtOnceWithoutTheToken) {
  const std::string wrong_token = "wrong-" + variable("TR1L_TEST_GATEWAY_TOKEN");
  HttpGatewaySender gateway(parse_gateway_settings(variable("TR1L_TEST_GATEWAY_URL")), wrong_token);
  const OutgoingMessage message = text_to("010-1111-2222");
  const SendResult result = gateway.send(message);
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("gateway 401")) << result.error;
  EXPECT_EQ(result.error.find(wrong_token), std::string::npos);
  expect_no_destination(result, message.destination);
  EXPECT_EQ(statuses(message.attempt_id), std::vector<int>{401});
}

TEST_F(HttpGatewaySenderIntegration, TheSameAttemptTwiceIsRecordedOnce) {
  HttpGatewaySender gateway = sender();
  const OutgoingMessage message = text_to("010-3333-4444");
  ASSERT_TRUE(gateway.send(message).sent);
  ASSERT_TRUE(gateway.send(message).sent);
  EXPECT_EQ(statuses(message.attempt_id), (std::vector<int>{200, 200}));
  EXPECT_EQ(received(message.attempt_id).size(), 1u);
}

TEST_F(HttpGatewaySenderIntegration, SlowGatewayTimesOutPerTry) {
  HttpGatewaySender gateway = sender("?timeout=1&max_tries=2&backoff_ms=10&backoff_max_ms=10");
  const std::string destination = "slow:2500:010-7777-6666";
  const OutgoingMessage message = text_to(destination);
  const auto started = std::chrono::steady_clock::now();
  const SendResult result = gateway.send(message);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("gateway timeout after 2 tries")) << result.error;
  expect_no_destination(result, destination);
  EXPECT_LT(waited, 5s);
}

TEST_F(HttpGatewaySenderIntegration, SixteenThreadsEachMessageRecordedExactlyOnce) {
  HttpGatewaySender gateway = sender();
  constexpr int threads = 16;
  constexpr int per_thread = 100;
  const std::int64_t first_user = unique_user_id();
  for (int index = 1; index < threads * per_thread; ++index) unique_user_id();
  std::vector<SendResult> results(threads * per_thread);
  const auto started = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (int thread = 0; thread < threads; ++thread) {
      workers.emplace_back([&, thread] {
        for (int index = 0; index < per_thread; ++index) {
          const int number = thread * per_thread + index;
          results[static_cast<std::size_t>(number)] = gateway.send(
              text_to("010-5000-" + std::to_string(1000 + number % 9000),
                      number % 2 == 0 ? domain::Channel::Sms : domain::Channel::Kakao, first_user + number));
        }
      });
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ measure  ] gateway: " << results.size() << " messages from " << threads << " threads in " << seconds
            << " s = " << static_cast<double>(results.size()) / seconds << " messages/s\n";
  for (const SendResult& result : results) ASSERT_TRUE(result.sent) << result.error;

  std::map<std::int64_t, int> accepted;
  for (const auto& line : received("")) {
    const std::int64_t user = line["body"]["user_id"].get<std::int64_t>();
    if (user >= first_user && user < first_user + threads * per_thread) ++accepted[user];
  }
  EXPECT_EQ(accepted.size(), results.size());
  for (const auto& [user, count] : accepted) EXPECT_EQ(count, 1) << user;

  std::set<int> client_ports;
  std::size_t requests = 0;
  for (const auto& line : tries("")) {
    const std::string key = line["idempotency_key"];
    const std::int64_t user = std::stoll(key.substr(8, key.find('/', 8) - 8));
    if (user < first_user || user >= first_user + threads * per_thread) continue;
    ++requests;
    client_ports.insert(line["peer_port"].get<int>());
  }
  EXPECT_EQ(requests, results.size());
  EXPECT_LE(client_ports.size(), static_cast<std::size_t>(threads * 2)) << "connections were not reused";
}

// Needs no gateway.
TEST(HttpGatewaySenderFailures, RefusedConnectionIsRetriedThenFailsWithoutTheNumber) {
  HttpGatewaySender gateway(parse_gateway_settings("http://127.0.0.1:1/v1/messages?max_tries=2&backoff_ms=1&backoff_max_ms=1"),
                            std::nullopt);
  const std::string destination = "010-8888-9999";
  const SendResult result = gateway.send(text_to(destination));
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("gateway connection failed after 2 tries")) << result.error;
  expect_no_destination(result, destination);

  OutgoingMessage email = text_to(destination);
  email.channel = domain::Channel::Email;
  EXPECT_FALSE(gateway.send(email).sent);
  OutgoingMessage broken = text_to(destination);
  broken.body = std::string("\xff\xfe not UTF-8");
  const SendResult not_utf8 = gateway.send(broken);
  EXPECT_FALSE(not_utf8.sent);
  EXPECT_EQ(not_utf8.error, "gateway: the message text is not valid UTF-8");
}

}  // namespace
}  // namespace tr1l::adapters::http_gateway
