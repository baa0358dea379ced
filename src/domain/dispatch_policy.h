// Dispatch policy (SPEC §6): the ordered channels a target is tried on. Round n of a target uses
// the n-th channel; a channel the target cannot be reached on is skipped; after the last channel
// the target is EXHAUSTED. Policies are versioned and move DRAFT → ACTIVE → RETIRED; the
// database allows one ACTIVE policy at a time.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tr1l::domain {

enum class Channel { Email, Sms, Kakao };

std::string_view to_string(Channel channel);  // "EMAIL", "SMS", "KAKAO"
std::optional<Channel> parse_channel(std::string_view text);  // exact upper-case names
inline constexpr Channel kAllChannels[] = {Channel::Email, Channel::Sms, Channel::Kakao};

enum class PolicyState { Draft, Active, Retired };

std::string_view to_string(PolicyState state);  // "DRAFT", "ACTIVE", "RETIRED"
std::optional<PolicyState> parse_policy_state(std::string_view text);

class PolicyError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct DispatchPolicy {
  int version = 0;
  std::vector<Channel> channels;
  PolicyState state = PolicyState::Draft;
};

// EMAIL → SMS → KAKAO, created as the first ACTIVE policy when none exists.
std::vector<Channel> default_channel_order();

// "EMAIL,SMS,KAKAO". Throws PolicyError naming the offending entry: empty list, unknown
// channel, or a channel listed twice.
std::vector<Channel> parse_channel_order(std::string_view text);
std::string format_channel_order(const std::vector<Channel>& channels);

// Which destinations a target has: e-mail needs an e-mail address and the e-mail document; SMS
// and KakaoTalk need a phone number and the SMS text (KakaoTalk sends the SMS text).
struct Reachability {
  bool email = false;
  bool phone = false;
};

bool can_reach(Channel channel, const Reachability& reach);

// The first round at or after `from_round` whose channel can reach the target; nullopt when no
// channel is left (the target is EXHAUSTED).
std::optional<int> next_round(const std::vector<Channel>& channels, int from_round, const Reachability& reach);

// Identifies one send: "2026-10/12345/0" (month, user id, round). Used as the bus message id,
// the HTTP gateway's idempotency key and the database key of the attempt.
struct AttemptKey {
  std::string month;  // "YYYY-MM"
  std::int64_t user_id = 0;
  int round = 0;
  std::string to_string() const;
  static std::optional<AttemptKey> parse(std::string_view text);
  auto operator<=>(const AttemptKey&) const = default;
};

}  // namespace tr1l::domain
