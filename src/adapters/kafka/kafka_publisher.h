// Publishes bus records to Kafka with an idempotent producer (acks=all: a record counts as sent
// once every in-sync replica has it, and retries never duplicate or reorder it). Records are keyed
// by the caller's key (the user id) with Java's murmur2 partitioner, so one customer's records go
// to one partition and other Kafka clients agree on which. Sending is batched (linger 5 ms); the
// local queue is bounded (100,000 records or 64 MiB), and publish() waits while it is full.
// Safe to use from several threads.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/kafka/kafka_client.h"
#include "adapters/kafka/kafka_settings.h"
#include "ports/bus.h"

namespace tr1l::adapters::kafka {

class KafkaPublisher final : public ports::BusPublisher {
 public:
  // Throws KafkaConfigurationError when librdkafka refuses the configuration.
  explicit KafkaPublisher(KafkaSettings settings);
  // Does not wait: records not yet confirmed by flush() are dropped (with a warning).
  ~KafkaPublisher() override;
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  // Throws BusError when the record cannot be queued (too large, fatal producer error), or when
  // the queue is full and an earlier record has already failed.
  void publish(ports::Topic topic, std::string_view key, std::string_view payload) override;
  // Waits for every record published so far. Each failed record is reported by one flush(): the
  // BusError names the count, and the first failure's topic, partition, key and error (never a
  // payload).
  void flush(std::chrono::milliseconds timeout) override;

  // Records published and not yet acknowledged or failed.
  std::size_t unconfirmed() const;

 private:
  struct Failure {
    std::string topic;
    std::int32_t partition = 0;
    std::string key;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  };

  static void on_delivery(rd_kafka_t* client, const rd_kafka_message_t* message, void* opaque);
  std::optional<std::string> describe_failures(bool clear);

  KafkaSettings settings_;
  std::mutex failures_mutex_;
  std::optional<Failure> first_failure_;
  std::uint64_t failed_records_ = 0;
  // Declared last: destroyed first, while the state the delivery callback writes still exists.
  ClientHandle client_;
  std::array<TopicHandle, 3> topics_;  // by ports::Topic
};

}  // namespace tr1l::adapters::kafka
