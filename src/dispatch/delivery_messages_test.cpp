#include "dispatch/delivery_messages.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace tr1l::dispatch {
namespace {

ports::DeliveryRequest request(ports::UserId user_id, int round, domain::Channel channel) {
  return {domain::YearMonth{2026, 10}, user_id, round, channel, 3};
}

ports::ReceivedRecord as_received(const ports::DeliveryRequest& sent) {
  return {record_key(sent), encode_request(sent), 0, 0};
}

TEST(DeliveryMessages, EveryRequestDecodesToItself) {
  for (ports::UserId user_id : {ports::UserId{1}, ports::UserId{42}, std::numeric_limits<ports::UserId>::max()}) {
    for (int round : {0, 1, 2}) {
      for (domain::Channel channel : {domain::Channel::Email, domain::Channel::Sms, domain::Channel::Kakao}) {
        const ports::DeliveryRequest sent = request(user_id, round, channel);
        auto decoded = decode_request(as_received(sent));
        ASSERT_TRUE(std::holds_alternative<ports::DeliveryRequest>(decoded)) << std::get<std::string>(decoded);
        const auto& received = std::get<ports::DeliveryRequest>(decoded);
        EXPECT_EQ(received.month, sent.month);
        EXPECT_EQ(received.user_id, sent.user_id);
        EXPECT_EQ(received.round, sent.round);
        EXPECT_EQ(received.channel, sent.channel);
        EXPECT_EQ(received.policy_version, sent.policy_version);
      }
    }
  }
}

TEST(DeliveryMessages, AResultIsTheRequestPlusItsOutcome) {
  ports::AttemptOutcome outcome;
  outcome.request = request(77, 1, domain::Channel::Sms);
  outcome.attempt_status = "FAILED";
  outcome.error = "gateway said no to a@example.com";
  outcome.target_status = "RETRY";
  outcome.finished_at = 1'794'301'200;
  const std::string text = encode_result(outcome);
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json.size(), 10u) << text;
  EXPECT_EQ(json.at("schema_version"), kSchemaVersion);
  EXPECT_EQ(json.at("attempt_id"), "2026-10/77/1");
  EXPECT_EQ(json.at("month"), "2026-10");
  EXPECT_EQ(json.at("user_id"), 77);
  EXPECT_EQ(json.at("round"), 1);
  EXPECT_EQ(json.at("channel"), "SMS");
  EXPECT_EQ(json.at("policy_version"), 3);
  EXPECT_EQ(json.at("outcome"), "FAILED");
  EXPECT_EQ(json.at("target_status"), "RETRY");
  EXPECT_EQ(json.at("finished_at"), 1'794'301'200);
  // Identifiers only: the error may name a destination and never goes to the bus.
  EXPECT_EQ(text.find("example.com"), std::string::npos);
}

TEST(DeliveryMessages, AStatusThatIsNotAnIdentifierIsStillValidJson) {
  ports::AttemptOutcome outcome;
  outcome.request = request(5, 0, domain::Channel::Email);
  outcome.attempt_status = "quote \" backslash \\ newline \n tab \t 한글";
  const nlohmann::json json = nlohmann::json::parse(encode_result(outcome));
  EXPECT_EQ(json.at("outcome"), outcome.attempt_status);
}

TEST(DeliveryMessages, ARequestWithAnotherAttemptIdOrKeyIsRefused) {
  ports::ReceivedRecord record = as_received(request(9, 0, domain::Channel::Email));
  record.key = "10";
  auto decoded = decode_request(record);
  ASSERT_TRUE(std::holds_alternative<std::string>(decoded));
  EXPECT_EQ(std::get<std::string>(decoded), "record key is not the user_id");

  record = as_received(request(9, 0, domain::Channel::Email));
  const auto at = record.payload.find("2026-10/9/0");
  ASSERT_NE(at, std::string::npos);
  record.payload.replace(at, 11, "2026-10/9/1");
  decoded = decode_request(record);
  ASSERT_TRUE(std::holds_alternative<std::string>(decoded));
  EXPECT_EQ(std::get<std::string>(decoded), "attempt_id does not match month, user_id and round");
}

// Records on the bus are untrusted: every way a payload can fail to be a request is refused with
// the reason that goes to the dead-letter topic.
TEST(DeliveryMessages, EveryMalformedRequestIsRefusedWithItsReason) {
  const std::string valid = R"("attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":3)";
  const struct {
    std::string payload;
    std::string reason;
  } cases[] = {
      {"", "not a JSON object"},
      {"not json", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {"42", "not a JSON object"},
      {R"("text")", "not a JSON object"},
      {R"({"schema_version":1,)" + valid + "} trailing", "not a JSON object"},
      {R"({"schema_version":1,)" + valid, "not a JSON object"},
      {"{" + valid + "}", "missing schema_version"},
      {R"({"schema_version":"1",)" + valid + "}", "missing schema_version"},
      {R"({"schema_version":1.0,)" + valid + "}", "missing schema_version"},
      {R"({"schema_version":2,)" + valid + "}", "schema_version 2 is not supported (this build reads 1)"},
      {R"({"schema_version":4294967297,)" + valid + "}",
       "schema_version 4294967297 is not supported (this build reads 1)"},
      {R"({"schema_version":18446744073709551615,)" + valid + "}",
       "schema_version 18446744073709551615 is not supported (this build reads 1)"},
      {R"({"schema_version":1,"month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":3})",
       "field attempt_id is missing or not a string"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":{"year":2026},"user_id":9,"round":0,"channel":"EMAIL","policy_version":3})",
       "field month is missing or not a string"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":2,"policy_version":3})",
       "field channel is missing or not a string"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":"9","round":0,"channel":"EMAIL","policy_version":3})",
       "field user_id is missing or not an integer"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0.5,"channel":"EMAIL","policy_version":3})",
       "field round is missing or not an integer"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":[3]})",
       "field policy_version is missing or not an integer"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":null})",
       "field policy_version is missing or not an integer"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-13","user_id":9,"round":0,"channel":"EMAIL","policy_version":3})",
       "field month is not YYYY-MM"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"FAX","policy_version":3})",
       "field channel is not EMAIL, SMS or KAKAO"},
      {R"({"schema_version":1,"attempt_id":"2026-10/-9/0","month":"2026-10","user_id":-9,"round":0,"channel":"EMAIL","policy_version":3})",
       "user_id, round or policy_version out of range"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":18446744073709551615,"round":0,"channel":"EMAIL","policy_version":3})",
       "user_id, round or policy_version out of range"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/4294967296","month":"2026-10","user_id":9,"round":4294967296,"channel":"EMAIL","policy_version":3})",
       "user_id, round or policy_version out of range"},
      {R"({"schema_version":1,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":0})",
       "user_id, round or policy_version out of range"},
  };
  for (const auto& each : cases) {
    auto decoded = decode_request({"9", each.payload, 0, 0});
    ASSERT_TRUE(std::holds_alternative<std::string>(decoded)) << each.payload;
    EXPECT_EQ(std::get<std::string>(decoded), each.reason) << each.payload;
  }
}

TEST(DeliveryMessages, UnknownFieldsAreSkippedAndARepeatedFieldKeepsItsLastValue) {
  const std::string payload =
      R"({"trace":{"user_id":1,"round":[7,{"x":null}]},"schema_version":1,"attempt_id":"2026-10/9/2",)"
      R"("month":"2026-10","user_id":8,"user_id":9,"round":"zero","round":2,"channel":"KAKAO","policy_version":3,)"
      R"("extra":[{"channel":"SMS"}],"note":"비고"})";
  auto decoded = decode_request({"9", payload, 0, 0});
  ASSERT_TRUE(std::holds_alternative<ports::DeliveryRequest>(decoded)) << std::get<std::string>(decoded);
  const auto& request = std::get<ports::DeliveryRequest>(decoded);
  EXPECT_EQ(request.user_id, 9);
  EXPECT_EQ(request.round, 2);
  EXPECT_EQ(request.channel, domain::Channel::Kakao);
  EXPECT_EQ(request.policy_version, 3);
}

}  // namespace
}  // namespace tr1l::dispatch
