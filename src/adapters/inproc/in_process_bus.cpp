#include "adapters/inproc/in_process_bus.h"

namespace tr1l::adapters {

class InProcessPublisher final : public ports::BusPublisher {
 public:
  explicit InProcessPublisher(InProcessBus& bus) : bus_(bus) {}
  void publish(ports::Topic topic, std::string_view key, std::string_view payload) override {
    bus_.publish(topic, key, payload);
  }
  // Records are in the queue as soon as publish() returns.
  void flush(std::chrono::milliseconds) override {}

 private:
  InProcessBus& bus_;
};

// Every consumer takes from the one queue (competing consumers, like one group). Nothing is
// redelivered: a record lost with its process is recovered from the database instead.
class InProcessConsumer final : public ports::BusConsumer {
 public:
  explicit InProcessConsumer(InProcessBus& bus) : bus_(bus) {}
  std::vector<ports::ReceivedRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) override {
    return bus_.take(max_records, timeout);
  }
  void acknowledge(const ports::ReceivedRecord&) override {}
  void commit() override {}
  bool joined() override { return true; }

 private:
  InProcessBus& bus_;
};

InProcessBus::InProcessBus(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::unique_ptr<ports::BusPublisher> InProcessBus::publisher() { return std::make_unique<InProcessPublisher>(*this); }

std::unique_ptr<ports::BusConsumer> InProcessBus::consumer(const std::string&) {
  return std::make_unique<InProcessConsumer>(*this);
}

void InProcessBus::publish(ports::Topic topic, std::string_view key, std::string_view payload) {
  std::unique_lock lock(mutex_);
  ports::ReceivedRecord record{std::string(key), std::string(payload), 0, next_offset_++};
  switch (topic) {
    case ports::Topic::DeliveryRequests:
      not_full_.wait(lock, [&] { return requests_.size() < capacity_; });
      requests_.push_back(std::move(record));
      not_empty_.notify_one();
      break;
    case ports::Topic::DeliveryResults:
      ++results_;
      break;
    case ports::Topic::DeadLetters:
      dead_letters_.push_back(std::move(record));
      break;
  }
}

std::vector<ports::ReceivedRecord> InProcessBus::take(std::size_t max_records, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  not_empty_.wait_for(lock, timeout, [&] { return !requests_.empty(); });
  std::vector<ports::ReceivedRecord> records;
  while (!requests_.empty() && records.size() < max_records) {
    records.push_back(std::move(requests_.front()));
    requests_.pop_front();
  }
  if (!records.empty()) not_full_.notify_all();
  return records;
}

std::vector<ports::ReceivedRecord> InProcessBus::dead_letters() const {
  std::lock_guard lock(mutex_);
  return dead_letters_;
}

std::int64_t InProcessBus::results_published() const {
  std::lock_guard lock(mutex_);
  return results_;
}

std::size_t InProcessBus::requests_waiting() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

}  // namespace tr1l::adapters
