// The message bus of the embedded default: a bounded queue inside one process, with the same
// interface as Kafka. Only `tr1l run` (dispatcher and delivery in one process) and tests use it
// end to end; a record published by one process never reaches another, which is why delivery
// republishes the attempts the database says are waiting when this bus is configured.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "ports/bus.h"

namespace tr1l::adapters {

class InProcessBus final : public ports::MessageBus {
 public:
  // `capacity`: requests held before publish() blocks (backpressure on the dispatcher).
  explicit InProcessBus(std::size_t capacity = 65536);

  std::string_view backend() const override { return "inproc"; }
  void ensure_topics() override {}
  std::unique_ptr<ports::BusPublisher> publisher() override;
  std::unique_ptr<ports::BusConsumer> consumer(const std::string& group) override;
  bool shared_between_processes() const override { return false; }

  // What went to the other topics, for summaries and tests. Results are only counted.
  std::vector<ports::ReceivedRecord> dead_letters() const;
  std::int64_t results_published() const;
  std::size_t requests_waiting() const;

 private:
  friend class InProcessPublisher;
  friend class InProcessConsumer;
  void publish(ports::Topic topic, std::string_view key, std::string_view payload);
  std::vector<ports::ReceivedRecord> take(std::size_t max_records, std::chrono::milliseconds timeout);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<ports::ReceivedRecord> requests_;
  std::int64_t next_offset_ = 0;
  std::vector<ports::ReceivedRecord> dead_letters_;
  std::int64_t results_ = 0;
};

}  // namespace tr1l::adapters
