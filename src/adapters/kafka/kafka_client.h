// Owning wrappers for librdkafka handles, and the pieces every TR1L Kafka client shares: the
// configuration (brokers from the URL, librdkafka's log and errors routed to spdlog,
// TR1L_KAFKA_PROPERTIES applied last), client creation, and the wording of errors.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/kafka/kafka_settings.h"

namespace tr1l::adapters::kafka {

struct ClientDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct ConfigurationDeleter {
  void operator()(rd_kafka_conf_t* configuration) const { rd_kafka_conf_destroy(configuration); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const { rd_kafka_AdminOptions_destroy(options); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};

using ClientHandle = std::unique_ptr<rd_kafka_t, ClientDeleter>;
using ConfigurationHandle = std::unique_ptr<rd_kafka_conf_t, ConfigurationDeleter>;
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using PartitionListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using QueueHandle = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventHandle = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using MetadataHandle = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using AdminOptionsHandle = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using NewTopicHandle = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using ErrorHandle = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

// "Kafka (brokers host:9092,host2:9092)", the start of every error message.
std::string describe_brokers(const KafkaSettings& settings);

// A client configuration: bootstrap.servers, client.id, logging through spdlog and the given
// properties. Our own properties are set with set(); the settings' extra properties are applied by
// create_client(), after them, so they win.
class ClientConfiguration {
 public:
  explicit ClientConfiguration(const KafkaSettings& settings);

  // Throws KafkaConfigurationError naming the property and value (only for TR1L's own values).
  void set(std::string_view key, std::string_view value);
  rd_kafka_conf_t* get() const { return configuration_.get(); }

  // Applies the extra properties (errors name the property, never its value) and gives up
  // ownership.
  ConfigurationHandle finish();

 private:
  const KafkaSettings& settings_;
  ConfigurationHandle configuration_;
};

// rd_kafka_new; throws BusError naming the brokers when librdkafka refuses the configuration.
ClientHandle create_client(rd_kafka_type_t type, ClientConfiguration configuration, const KafkaSettings& settings);

// librdkafka's text for an error, with the fatal error's reason when `error` is _FATAL.
std::string error_text(rd_kafka_t* client, rd_kafka_resp_err_t error);

// The partition count the brokers report for `topic`; nullopt when the topic does not exist.
// Throws BusError when the brokers do not answer within `timeout`.
std::optional<int> fetch_partition_count(rd_kafka_t* client, const KafkaSettings& settings, const std::string& topic,
                                         std::chrono::milliseconds timeout);

int to_milliseconds(std::chrono::milliseconds duration);

}  // namespace tr1l::adapters::kafka
