#include "adapters/simulated/simulated_senders.h"

#include <charconv>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tr1l::adapters {
namespace {

std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char character : text) {
    hash ^= character;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& character : result) character = static_cast<char>(character >= 'a' && character <= 'z' ? character - 32 : character);
  return result;
}

// Splits "a=1,b=2" and hands each (channel, value text) to `store`.
void for_each_entry(std::string_view text, std::string_view option,
                    const std::function<void(domain::Channel, std::string_view, const std::string&)>& store) {
  std::size_t position = 0;
  while (position < text.size()) {
    std::size_t comma = text.find(',', position);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = text.substr(position, comma - position);
    std::string label = std::string(option) + " entry '" + std::string(entry) + "'";
    std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) throw std::invalid_argument(label + ": expected CHANNEL=VALUE");
    auto channel = domain::parse_channel(upper(entry.substr(0, equals)));
    if (!channel) throw std::invalid_argument(label + ": unknown channel (email, sms or kakao)");
    store(*channel, entry.substr(equals + 1), label);
    position = comma + 1;
  }
}

}  // namespace

FaultInjectingSender::FaultInjectingSender(std::unique_ptr<ports::ChannelSender> inner, FaultPlan plan)
    : inner_(std::move(inner)), plan_(plan) {}

bool FaultInjectingSender::fails(const FaultPlan& plan, std::string_view attempt_id) {
  if (plan.failure_rate <= 0) return false;
  // The top 53 bits as a uniform double in [0, 1).
  double draw = static_cast<double>(mix(plan.seed ^ fnv1a(attempt_id)) >> 11) * 0x1.0p-53;
  return draw < plan.failure_rate;
}

ports::SendResult FaultInjectingSender::send(const ports::OutgoingMessage& message) {
  if (plan_.latency.count() > 0) std::this_thread::sleep_for(plan_.latency);
  if (fails(plan_, message.attempt_id)) return {false, "injected failure (drill)"};
  return inner_->send(message);
}

std::map<domain::Channel, double> parse_failure_rates(std::string_view text) {
  std::map<domain::Channel, double> rates;
  for_each_entry(text, "--fail", [&](domain::Channel channel, std::string_view value, const std::string& label) {
    double rate = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), rate);
    if (value.empty() || error != std::errc{} || end != value.data() + value.size() || !(rate >= 0 && rate <= 1)) {
      throw std::invalid_argument(label + ": the failure share must be a number from 0 to 1");
    }
    rates[channel] = rate;
  });
  return rates;
}

std::map<domain::Channel, std::chrono::milliseconds> parse_latencies(std::string_view text) {
  std::map<domain::Channel, std::chrono::milliseconds> latencies;
  for_each_entry(text, "--latency", [&](domain::Channel channel, std::string_view value, const std::string& label) {
    std::int64_t amount = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), amount);
    std::string_view unit(end, static_cast<std::size_t>(value.data() + value.size() - end));
    std::int64_t factor = unit == "ms" ? 1 : unit == "s" ? 1000 : 0;
    if (value.empty() || error != std::errc{} || factor == 0 || amount < 0 || amount > 600'000) {
      throw std::invalid_argument(label + ": expected a duration such as 250ms or 1s");
    }
    latencies[channel] = std::chrono::milliseconds{amount * factor};
  });
  return latencies;
}

}  // namespace tr1l::adapters
