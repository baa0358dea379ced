// The message bus between dispatch and delivery (SPEC §6). Backends: adapters/inproc (one
// process, the embedded default) and adapters/kafka. Records carry identifiers only — never an
// e-mail address, phone number or invoice content — and are keyed by user id so one customer's
// records stay in order on one partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tr1l::ports {

class BusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Topic {
  DeliveryRequests,  // dispatch → delivery: one record per claimed attempt
  DeliveryResults,   // delivery → anyone watching: one record per recorded outcome
  DeadLetters,       // records that could not be parsed or processed, with the reason
};

// Safe to use from several threads (delivery's coordinator and recorder share one).
class BusPublisher {
 public:
  virtual ~BusPublisher() = default;
  // Queues one record; sending is asynchronous. Blocks while the local queue is full
  // (backpressure). Throws BusError when the bus is unusable.
  virtual void publish(Topic topic, std::string_view key, std::string_view payload) = 0;
  // Returns once every record published so far is acknowledged by the bus (Kafka: by all
  // in-sync replicas); throws BusError naming the first record that failed or on timeout.
  virtual void flush(std::chrono::milliseconds timeout) = 0;
};

struct ReceivedRecord {
  std::string key;
  std::string payload;
  int partition = 0;
  std::int64_t offset = 0;
};

// One member of a consumer group reading DeliveryRequests.
class BusConsumer {
 public:
  virtual ~BusConsumer() = default;
  // Up to `max_records`, waiting at most `timeout` when none is ready. An empty answer means
  // nothing arrived in time.
  virtual std::vector<ReceivedRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) = 0;
  // Marks a record as processed (its outcome is recorded). Records may be acknowledged in any
  // order; the group's committed position only moves past records that are all acknowledged, so
  // after a crash or rebalance everything unacknowledged is delivered again.
  virtual void acknowledge(const ReceivedRecord& record) = 0;
  // Commits the acknowledged positions now (they are also committed periodically and on close).
  virtual void commit() = 0;
  // False until this member takes part in its group (Kafka: until its first assignment, possibly
  // of no partition, which takes the group coordinator a round trip or a rebalance). Until then
  // an empty poll does not mean there is nothing to consume.
  virtual bool joined() = 0;
};

class MessageBus {
 public:
  virtual ~MessageBus() = default;
  virtual std::string_view backend() const = 0;  // "inproc" or "kafka"
  // Creates the topics when missing (Kafka: with the configured partition count).
  virtual void ensure_topics() = 0;
  virtual std::unique_ptr<BusPublisher> publisher() = 0;
  virtual std::unique_ptr<BusConsumer> consumer(const std::string& group) = 0;
  // False when records published by another process cannot reach this one (in-process bus):
  // then delivery republishes the attempts the database says are waiting.
  virtual bool shared_between_processes() const = 0;
};

}  // namespace tr1l::ports
