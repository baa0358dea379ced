// The Kafka message bus (SPEC §6): three topics (requests, results, dead letters) on the brokers
// of a kafka:// URL (see kafka_settings.h), an idempotent producer per publisher and a consumer
// group member per consumer. Records published by any process reach every process of the group.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "adapters/kafka/kafka_client.h"
#include "adapters/kafka/kafka_consumer.h"
#include "adapters/kafka/kafka_publisher.h"
#include "adapters/kafka/kafka_settings.h"
#include "ports/bus.h"

namespace tr1l::adapters::kafka {

class KafkaBus final : public ports::MessageBus {
 public:
  // Checks the configuration (throws KafkaConfigurationError); connects only when used.
  explicit KafkaBus(KafkaSettings settings);
  ~KafkaBus() override;
  KafkaBus(const KafkaBus&) = delete;
  KafkaBus& operator=(const KafkaBus&) = delete;

  std::string_view backend() const override { return "kafka"; }
  // CreateTopics for the three topics with settings.partitions and settings.replication; a topic
  // that already exists is left as it is (a different partition count is logged as a warning).
  // Throws BusError naming the brokers and topic when the brokers refuse or do not answer within
  // settings.request_timeout.
  void ensure_topics() override;
  std::unique_ptr<ports::BusPublisher> publisher() override;
  std::unique_ptr<ports::BusConsumer> consumer(const std::string& group) override;
  bool shared_between_processes() const override { return true; }

  // The partition count the brokers report for a topic; nullopt when it does not exist.
  std::optional<int> partition_count(const std::string& topic);
  const KafkaSettings& settings() const { return settings_; }

 private:
  rd_kafka_t* admin_client();  // created on first use; callers hold admin_mutex_

  KafkaSettings settings_;
  std::mutex admin_mutex_;
  ClientHandle admin_;
};

}  // namespace tr1l::adapters::kafka
