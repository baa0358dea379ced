#include "domain/dispatch_policy.h"

#include "domain/calendar.h"

#include <algorithm>
#include <charconv>

namespace tr1l::domain {

std::string_view to_string(Channel channel) {
  switch (channel) {
    case Channel::Email:
      return "EMAIL";
    case Channel::Sms:
      return "SMS";
    case Channel::Kakao:
      return "KAKAO";
  }
  return "?";
}

std::optional<Channel> parse_channel(std::string_view text) {
  for (Channel channel : kAllChannels) {
    if (to_string(channel) == text) return channel;
  }
  return std::nullopt;
}

std::string_view to_string(PolicyState state) {
  switch (state) {
    case PolicyState::Draft:
      return "DRAFT";
    case PolicyState::Active:
      return "ACTIVE";
    case PolicyState::Retired:
      return "RETIRED";
  }
  return "?";
}

std::optional<PolicyState> parse_policy_state(std::string_view text) {
  for (PolicyState state : {PolicyState::Draft, PolicyState::Active, PolicyState::Retired}) {
    if (to_string(state) == text) return state;
  }
  return std::nullopt;
}

std::vector<Channel> default_channel_order() { return {Channel::Email, Channel::Sms, Channel::Kakao}; }

std::vector<Channel> parse_channel_order(std::string_view text) {
  std::vector<Channel> channels;
  std::size_t position = 0;
  int index = 1;
  while (position <= text.size()) {
    std::size_t comma = text.find(',', position);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = text.substr(position, comma - position);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry.empty()) {
      if (text.empty()) throw PolicyError("channel order is empty; expected e.g. EMAIL,SMS,KAKAO");
      throw PolicyError("channel order entry " + std::to_string(index) + " is empty");
    }
    auto channel = parse_channel(entry);
    if (!channel) {
      throw PolicyError("channel order entry " + std::to_string(index) + " '" + std::string(entry) +
                        "' is not a channel (EMAIL, SMS or KAKAO)");
    }
    if (std::find(channels.begin(), channels.end(), *channel) != channels.end()) {
      throw PolicyError("channel " + std::string(entry) + " is listed twice");
    }
    channels.push_back(*channel);
    position = comma + 1;
    ++index;
  }
  return channels;
}

std::string format_channel_order(const std::vector<Channel>& channels) {
  std::string text;
  for (Channel channel : channels) {
    if (!text.empty()) text += ',';
    text += to_string(channel);
  }
  return text;
}

bool can_reach(Channel channel, const Reachability& reach) {
  return channel == Channel::Email ? reach.email : reach.phone;
}

std::optional<int> next_round(const std::vector<Channel>& channels, int from_round, const Reachability& reach) {
  for (int round = std::max(from_round, 0); round < static_cast<int>(channels.size()); ++round) {
    if (can_reach(channels[static_cast<std::size_t>(round)], reach)) return round;
  }
  return std::nullopt;
}

std::string AttemptKey::to_string() const {
  return month + "/" + std::to_string(user_id) + "/" + std::to_string(round);
}

std::optional<AttemptKey> AttemptKey::parse(std::string_view text) {
  std::size_t first = text.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = text.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  AttemptKey key;
  key.month = std::string(text.substr(0, first));
  if (!YearMonth::parse(key.month)) return std::nullopt;
  std::string_view user = text.substr(first + 1, second - first - 1);
  std::string_view round = text.substr(second + 1);
  auto parse_number = [](std::string_view digits, auto& value) {
    if (digits.empty() || digits.size() > 19 || digits.front() == '+' || digits.front() == '-') return false;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size();
  };
  if (!parse_number(user, key.user_id) || key.user_id <= 0) return std::nullopt;
  if (!parse_number(round, key.round) || key.round < 0 || key.round > 99) return std::nullopt;
  return key;
}

}  // namespace tr1l::domain
