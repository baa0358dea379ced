// Where the Kafka bus lives and how its topics are laid out, parsed from the bus URL
//
//   kafka://HOST:PORT[,HOST:PORT...][?PARAMETER=VALUE&...]
//
// Parameters (all optional):
//   topic_prefix=tr1l.          prefix of the three default topic names
//   requests_topic=NAME         default <prefix>delivery.requests
//   results_topic=NAME          default <prefix>delivery.results
//   dead_letters_topic=NAME     default <prefix>delivery.dead-letters
//   partitions=12               partitions of topics created by ensure_topics()
//   replication=1               replication factor of topics created by ensure_topics()
//   session_timeout_ms=45000    consumer group session timeout (tests use 6000)
//
// A port defaults to 9092. The URL holds no credentials (user info is refused): SASL and TLS
// settings, like any other librdkafka property, come from TR1L_KAFKA_PROPERTIES as
// `key=value;key=value`. Their values may be secrets and are never logged or put in a message.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ports/bus.h"

namespace tr1l::adapters::kafka {

// The configuration (URL, properties) is unusable; the message never repeats a property value.
class KafkaConfigurationError : public ports::BusError {
 public:
  using ports::BusError::BusError;
};

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct KafkaSettings {
  std::string brokers;  // bootstrap.servers: "host:port,host:port", never credentials
  std::string requests_topic = "tr1l.delivery.requests";
  std::string results_topic = "tr1l.delivery.results";
  std::string dead_letters_topic = "tr1l.delivery.dead-letters";
  int partitions = 12;
  int replication = 1;
  std::chrono::milliseconds session_timeout{45'000};
  // Acknowledged positions are committed at least this often while poll() is being called.
  std::chrono::milliseconds commit_interval{1'000};
  // Longest wait for one broker answer in ensure_topics(), commit() and on close.
  std::chrono::milliseconds request_timeout{30'000};
  // Applied last to every client (producer, consumer, admin), in order.
  KafkaProperties extra_properties;

  const std::string& topic_name(ports::Topic topic) const;
};

// Throws KafkaConfigurationError naming the offending parameter or broker entry.
KafkaSettings parse_kafka_url(std::string_view url);

// Throws KafkaConfigurationError for a property the bus's guarantees rest on (bootstrap.servers,
// group.id, enable.auto.commit, enable.auto.offset.store, enable.idempotence, acks).
void check_overridable_property(std::string_view key);

// "key=value;key=value" (blank entries and whitespace around keys and values are ignored; a value
// may contain '=' but not ';'),
// checked with check_overridable_property. Errors name the entry's position and key, never its
// value.
KafkaProperties parse_kafka_properties(std::string_view text);

// parse_kafka_url(url) with extra_properties from the TR1L_KAFKA_PROPERTIES environment variable.
KafkaSettings kafka_settings_from_environment(std::string_view url);

}  // namespace tr1l::adapters::kafka
