#include "adapters/simulated/simulated_senders.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace tr1l::adapters {
namespace {

using namespace std::chrono_literals;

ports::OutgoingMessage message_for(const std::string& attempt_id) {
  ports::OutgoingMessage message;
  message.attempt_id = attempt_id;
  return message;
}

TEST(FaultInjection, FailsAboutTheRequestedShareDeterministically) {
  FaultPlan plan{.failure_rate = 0.3, .latency = 0ms, .seed = 7};
  int failures = 0;
  for (int user = 1; user <= 20000; ++user) {
    std::string attempt = fmt::format("2026-10/{}/0", user);
    bool first = FaultInjectingSender::fails(plan, attempt);
    EXPECT_EQ(first, FaultInjectingSender::fails(plan, attempt));
    failures += first ? 1 : 0;
  }
  EXPECT_NEAR(failures / 20000.0, 0.3, 0.015);
}

TEST(FaultInjection, SeedChangesWhichAttemptsFail) {
  FaultPlan first{.failure_rate = 0.5, .latency = 0ms, .seed = 1};
  FaultPlan second{.failure_rate = 0.5, .latency = 0ms, .seed = 2};
  int differ = 0;
  for (int user = 1; user <= 1000; ++user) {
    std::string attempt = fmt::format("2026-10/{}/0", user);
    differ += FaultInjectingSender::fails(first, attempt) != FaultInjectingSender::fails(second, attempt) ? 1 : 0;
  }
  EXPECT_GT(differ, 300);
}

TEST(FaultInjection, ZeroAndOneAreExact) {
  for (int user = 1; user <= 1000; ++user) {
    std::string attempt = fmt::format("2026-10/{}/1", user);
    EXPECT_FALSE(FaultInjectingSender::fails({.failure_rate = 0, .latency = 0ms, .seed = 3}, attempt));
    EXPECT_TRUE(FaultInjectingSender::fails({.failure_rate = 1, .latency = 0ms, .seed = 3}, attempt));
  }
}

TEST(FaultInjection, PassesSuccessesThroughAndAddsLatency) {
  auto inner = std::make_unique<AcceptingSender>();
  AcceptingSender& accepting = *inner;
  FaultInjectingSender sender(std::move(inner), {.failure_rate = 0, .latency = 30ms, .seed = 0});
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(sender.send(message_for("2026-10/1/0")).sent);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
  EXPECT_EQ(accepting.accepted(), 1);

  FaultInjectingSender failing(std::make_unique<AcceptingSender>(), {.failure_rate = 1, .latency = 0ms, .seed = 0});
  auto result = failing.send(message_for("2026-10/1/0"));
  EXPECT_FALSE(result.sent);
  EXPECT_EQ(result.error, "injected failure (drill)");
}

TEST(DrillOptions, ParsesFailureRates) {
  auto rates = parse_failure_rates("email=0.3,SMS=0.1,kakao=1");
  EXPECT_DOUBLE_EQ(rates.at(domain::Channel::Email), 0.3);
  EXPECT_DOUBLE_EQ(rates.at(domain::Channel::Sms), 0.1);
  EXPECT_DOUBLE_EQ(rates.at(domain::Channel::Kakao), 1.0);
  EXPECT_TRUE(parse_failure_rates("").empty());
}

TEST(DrillOptions, ParsesLatencies) {
  auto latencies = parse_latencies("email=1s,sms=250ms");
  EXPECT_EQ(latencies.at(domain::Channel::Email), 1000ms);
  EXPECT_EQ(latencies.at(domain::Channel::Sms), 250ms);
}

TEST(DrillOptions, RejectionsNameTheEntry) {
  auto message_of = [](auto parse, const char* text) {
    try {
      parse(text);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  auto rates = [](const char* text) { return parse_failure_rates(text); };
  auto latencies = [](const char* text) { return parse_latencies(text); };
  EXPECT_EQ(message_of(rates, "email"), "--fail entry 'email': expected CHANNEL=VALUE");
  EXPECT_EQ(message_of(rates, "fax=0.1"), "--fail entry 'fax=0.1': unknown channel (email, sms or kakao)");
  EXPECT_EQ(message_of(rates, "email=1.5"), "--fail entry 'email=1.5': the failure share must be a number from 0 to 1");
  EXPECT_EQ(message_of(rates, "email=abc"), "--fail entry 'email=abc': the failure share must be a number from 0 to 1");
  EXPECT_EQ(message_of(latencies, "email=5"), "--latency entry 'email=5': expected a duration such as 250ms or 1s");
  EXPECT_EQ(message_of(latencies, "sms=1h"), "--latency entry 'sms=1h': expected a duration such as 250ms or 1s");
}

}  // namespace
}  // namespace tr1l::adapters
