#include "adapters/kafka/kafka_bus.h"

#include <spdlog/spdlog.h>

#include <array>
#include <vector>

namespace tr1l::adapters::kafka {

KafkaBus::KafkaBus(KafkaSettings settings) : settings_(std::move(settings)) {
  // Apply everything once now, so that a bad property fails at start-up rather than at the first
  // publish.
  static_cast<void>(ClientConfiguration(settings_).finish());
}

KafkaBus::~KafkaBus() = default;

rd_kafka_t* KafkaBus::admin_client() {
  if (!admin_) admin_ = create_client(RD_KAFKA_PRODUCER, ClientConfiguration(settings_), settings_);
  return admin_.get();
}

void KafkaBus::ensure_topics() {
  std::lock_guard lock(admin_mutex_);
  rd_kafka_t* client = admin_client();
  const std::array<const std::string*, 3> names = {&settings_.requests_topic, &settings_.results_topic,
                                                   &settings_.dead_letters_topic};
  const std::string layout =
      std::to_string(settings_.partitions) + " partitions, replication " + std::to_string(settings_.replication);

  std::vector<NewTopicHandle> topics;
  std::vector<rd_kafka_NewTopic_t*> requests;
  std::array<char, 512> error{};
  for (const std::string* name : names) {
    topics.emplace_back(
        rd_kafka_NewTopic_new(name->c_str(), settings_.partitions, settings_.replication, error.data(), error.size()));
    if (!topics.back()) {
      throw KafkaConfigurationError(describe_brokers(settings_) + ": topic " + *name + " (" + layout + "): " + error.data());
    }
    requests.push_back(topics.back().get());
  }
  AdminOptionsHandle options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int timeout = to_milliseconds(settings_.request_timeout);
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout, error.data(), error.size()) ||
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout, error.data(), error.size())) {
    throw KafkaConfigurationError(describe_brokers(settings_) + ": admin timeout: " + error.data());
  }
  QueueHandle queue(rd_kafka_queue_new(client));
  rd_kafka_CreateTopics(client, requests.data(), requests.size(), options.get(), queue.get());
  // librdkafka answers on its own once request_timeout has passed; the margin only guards
  // against waiting forever.
  EventHandle answer(rd_kafka_queue_poll(queue.get(), timeout + 5'000));
  const std::string which = "creating topics " + settings_.requests_topic + ", " + settings_.results_topic + ", " +
                            settings_.dead_letters_topic + " (" + layout + ")";
  if (!answer) {
    throw ports::BusError(describe_brokers(settings_) + ": " + which + ": no answer within " +
                          std::to_string(timeout + 5'000) + " ms");
  }
  if (const rd_kafka_resp_err_t failure = rd_kafka_event_error(answer.get()); failure != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw ports::BusError(describe_brokers(settings_) + ": " + which + " failed: " +
                          rd_kafka_event_error_string(answer.get()) + " (" + rd_kafka_err2name(failure) + ")");
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(answer.get());
  if (result == nullptr) throw ports::BusError(describe_brokers(settings_) + ": " + which + ": unexpected answer");
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t index = 0; index < count; ++index) {
    const std::string name = rd_kafka_topic_result_name(results[index]);
    const rd_kafka_resp_err_t outcome = rd_kafka_topic_result_error(results[index]);
    if (outcome == RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::info("{}: created topic {} ({})", describe_brokers(settings_), name, layout);
    } else if (outcome == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const auto partitions = fetch_partition_count(client, settings_, name, settings_.request_timeout);
      if (partitions && *partitions != settings_.partitions) {
        spdlog::warn("{}: topic {} exists with {} partitions, not the configured {}; left as it is",
                     describe_brokers(settings_), name, *partitions, settings_.partitions);
      }
    } else {
      const char* reason = rd_kafka_topic_result_error_string(results[index]);
      throw ports::BusError(describe_brokers(settings_) + ": creating topic " + name + " (" + layout +
                            ") failed: " + (reason != nullptr ? reason : rd_kafka_err2str(outcome)) + " (" +
                            rd_kafka_err2name(outcome) + ")");
    }
  }
}

std::unique_ptr<ports::BusPublisher> KafkaBus::publisher() { return std::make_unique<KafkaPublisher>(settings_); }

std::unique_ptr<ports::BusConsumer> KafkaBus::consumer(const std::string& group) {
  return std::make_unique<KafkaConsumer>(settings_, group);
}

std::optional<int> KafkaBus::partition_count(const std::string& topic) {
  std::lock_guard lock(admin_mutex_);
  return fetch_partition_count(admin_client(), settings_, topic, settings_.request_timeout);
}

}  // namespace tr1l::adapters::kafka
