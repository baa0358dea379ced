// Senders for drills and benchmarks. AcceptingSender takes every message and keeps nothing (the
// "mock" channel: zero latency, never fails). FaultInjectingSender wraps any sender and makes a
// share of sends fail and every send slower, as the original system's mock channel did (1 s
// latency, 1 % e-mail failure). Which sends fail is a pure function of the seed and the attempt
// id, so a drill is repeatable whatever the thread timing.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ports/channel_sender.h"

namespace tr1l::adapters {

class AcceptingSender final : public ports::ChannelSender {
 public:
  std::string_view name() const override { return "mock"; }
  ports::SendResult send(const ports::OutgoingMessage&) override {
    ++accepted_;
    return {true, ""};
  }
  std::int64_t accepted() const { return accepted_; }

 private:
  std::atomic<std::int64_t> accepted_{0};
};

struct FaultPlan {
  double failure_rate = 0;  // 0..1
  std::chrono::milliseconds latency{0};
  std::uint64_t seed = 0;
};

class FaultInjectingSender final : public ports::ChannelSender {
 public:
  FaultInjectingSender(std::unique_ptr<ports::ChannelSender> inner, FaultPlan plan);
  std::string_view name() const override { return inner_->name(); }
  ports::SendResult send(const ports::OutgoingMessage& message) override;

  // True when this plan fails the attempt (exposed for tests).
  static bool fails(const FaultPlan& plan, std::string_view attempt_id);

 private:
  std::unique_ptr<ports::ChannelSender> inner_;
  FaultPlan plan_;
};

// "--fail email=0.3,sms=0.1" and "--latency email=1s,kakao=250ms". Channels are named in lower
// or upper case. Throws std::invalid_argument naming the entry and the reason.
std::map<domain::Channel, double> parse_failure_rates(std::string_view text);
std::map<domain::Channel, std::chrono::milliseconds> parse_latencies(std::string_view text);

}  // namespace tr1l::adapters
