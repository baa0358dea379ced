#include "domain/dispatch_policy.h"

#include <gtest/gtest.h>

namespace tr1l::domain {
namespace {

TEST(Channel, NamesRoundTrip) {
  for (Channel channel : kAllChannels) EXPECT_EQ(parse_channel(to_string(channel)), channel);
  EXPECT_EQ(to_string(Channel::Email), "EMAIL");
  EXPECT_EQ(to_string(Channel::Sms), "SMS");
  EXPECT_EQ(to_string(Channel::Kakao), "KAKAO");
  for (const char* text : {"", "email", "Email", "E-MAIL", "SMS ", "FAX", "KAKAOTALK"}) {
    EXPECT_FALSE(parse_channel(text).has_value()) << "'" << text << "'";
  }
}

TEST(PolicyState, NamesRoundTrip) {
  for (PolicyState state : {PolicyState::Draft, PolicyState::Active, PolicyState::Retired}) {
    EXPECT_EQ(parse_policy_state(to_string(state)), state);
  }
  EXPECT_FALSE(parse_policy_state("active").has_value());
}

TEST(ChannelOrder, DefaultIsEmailSmsKakao) {
  EXPECT_EQ(format_channel_order(default_channel_order()), "EMAIL,SMS,KAKAO");
}

TEST(ChannelOrder, ParsesAndFormats) {
  EXPECT_EQ(parse_channel_order("SMS,EMAIL"), (std::vector<Channel>{Channel::Sms, Channel::Email}));
  EXPECT_EQ(parse_channel_order("KAKAO"), (std::vector<Channel>{Channel::Kakao}));
  EXPECT_EQ(parse_channel_order(" EMAIL , SMS "), (std::vector<Channel>{Channel::Email, Channel::Sms}));
  EXPECT_EQ(format_channel_order(parse_channel_order("KAKAO,SMS,EMAIL")), "KAKAO,SMS,EMAIL");
}

TEST(ChannelOrder, RejectionsNameTheEntry) {
  auto message_of = [](const char* text) {
    try {
      parse_channel_order(text);
    } catch (const PolicyError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message_of(""), "channel order is empty; expected e.g. EMAIL,SMS,KAKAO");
  EXPECT_EQ(message_of("EMAIL,,SMS"), "channel order entry 2 is empty");
  EXPECT_EQ(message_of("EMAIL,"), "channel order entry 2 is empty");
  EXPECT_EQ(message_of("EMAIL,FAX"), "channel order entry 2 'FAX' is not a channel (EMAIL, SMS or KAKAO)");
  EXPECT_EQ(message_of("SMS,EMAIL,SMS"), "channel SMS is listed twice");
}

TEST(Reach, EmailNeedsEmailPhoneChannelsNeedPhone) {
  EXPECT_TRUE(can_reach(Channel::Email, {.email = true, .phone = false}));
  EXPECT_FALSE(can_reach(Channel::Email, {.email = false, .phone = true}));
  EXPECT_TRUE(can_reach(Channel::Sms, {.email = false, .phone = true}));
  EXPECT_TRUE(can_reach(Channel::Kakao, {.email = false, .phone = true}));
  EXPECT_FALSE(can_reach(Channel::Kakao, {.email = true, .phone = false}));
}

TEST(NextRound, WalksThePolicySkippingUnreachableChannels) {
  const std::vector<Channel> policy = default_channel_order();
  const Reachability both{.email = true, .phone = true};
  const Reachability email_only{.email = true, .phone = false};
  const Reachability phone_only{.email = false, .phone = true};
  EXPECT_EQ(next_round(policy, 0, both), 0);
  EXPECT_EQ(next_round(policy, 1, both), 1);
  EXPECT_EQ(next_round(policy, 2, both), 2);
  EXPECT_EQ(next_round(policy, 3, both), std::nullopt);
  EXPECT_EQ(next_round(policy, 0, phone_only), 1);  // no e-mail: start on SMS
  EXPECT_EQ(next_round(policy, 2, phone_only), 2);
  EXPECT_EQ(next_round(policy, 0, email_only), 0);
  EXPECT_EQ(next_round(policy, 1, email_only), std::nullopt);  // e-mail failed, no phone: exhausted
  EXPECT_EQ(next_round(policy, 0, Reachability{}), std::nullopt);
  EXPECT_EQ(next_round({Channel::Sms, Channel::Email}, 1, phone_only), std::nullopt);
  EXPECT_EQ(next_round(policy, -1, both), 0);
}

TEST(AttemptKey, RoundTrips) {
  AttemptKey key{"2026-10", 12345, 2};
  EXPECT_EQ(key.to_string(), "2026-10/12345/2");
  EXPECT_EQ(AttemptKey::parse("2026-10/12345/2"), key);
  EXPECT_EQ(AttemptKey::parse("2026-12/9223372036854775807/0"), (AttemptKey{"2026-12", 9223372036854775807, 0}));
}

TEST(AttemptKey, RejectsMalformedText) {
  for (const char* text : {"", "2026-10", "2026-10/12345", "2026-10/12345/", "2026-13/1/0", "2026-10/0/0",
                           "2026-10/-5/0", "2026-10/+5/0", "2026-10/5/-1", "2026-10/5/100", "2026-10/5/1/2",
                           "2026-10/abc/0", "2026-10/5/0 ", "2026-10//0", "26-10/5/0",
                           "2026-10/99999999999999999999/0"}) {
    EXPECT_FALSE(AttemptKey::parse(text).has_value()) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace tr1l::domain
