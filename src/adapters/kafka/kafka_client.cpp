#include "adapters/kafka/kafka_client.h"

#include <spdlog/spdlog.h>

#include <array>
#include <limits>

namespace tr1l::adapters::kafka {
namespace {

// librdkafka logs with syslog levels from its own threads; spdlog's default logger is thread-safe.
void log_to_spdlog(const rd_kafka_t* client, int level, const char* facility, const char* message) {
  const spdlog::level::level_enum spdlog_level = level <= 3 ? spdlog::level::err
                                                 : level == 4 ? spdlog::level::warn
                                                 : level <= 6 ? spdlog::level::info
                                                              : spdlog::level::debug;
  spdlog::log(spdlog_level, "kafka {} {}: {}", client != nullptr ? rd_kafka_name(client) : "-", facility, message);
}

void report_error(rd_kafka_t* client, int error, const char* reason, void* /*opaque*/) {
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    spdlog::error("kafka {}: fatal error: {}", rd_kafka_name(client), error_text(client, code));
  } else if (code != RD_KAFKA_RESP_ERR__TRANSPORT) {
    // Connection failures (_TRANSPORT) are in librdkafka's own log already. They are retried and
    // only matter when they last, which flush(), commit() and ensure_topics() report themselves.
    spdlog::warn("kafka {}: {} ({})", rd_kafka_name(client), reason, rd_kafka_err2name(code));
  }
}

}  // namespace

std::string describe_brokers(const KafkaSettings& settings) { return "Kafka (brokers " + settings.brokers + ")"; }

int to_milliseconds(std::chrono::milliseconds duration) {
  if (duration.count() <= 0) return 0;
  if (duration.count() > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(duration.count());
}

ClientConfiguration::ClientConfiguration(const KafkaSettings& settings)
    : settings_(settings), configuration_(rd_kafka_conf_new()) {
  set("bootstrap.servers", settings.brokers);
  set("client.id", "tr1l");
  // Topics are made by ensure_topics() with the configured partition count, never implicitly by a
  // broker's defaults because someone published first.
  set("allow.auto.create.topics", "false");
  set("log.connection.close", "false");
  rd_kafka_conf_set_log_cb(configuration_.get(), log_to_spdlog);
  rd_kafka_conf_set_error_cb(configuration_.get(), report_error);
}

void ClientConfiguration::set(std::string_view key, std::string_view value) {
  std::array<char, 512> error{};
  const std::string key_text(key), value_text(value);
  if (rd_kafka_conf_set(configuration_.get(), key_text.c_str(), value_text.c_str(), error.data(), error.size()) !=
      RD_KAFKA_CONF_OK) {
    throw KafkaConfigurationError(describe_brokers(settings_) + ": setting " + key_text + "=" + value_text +
                                  " failed: " + error.data());
  }
}

ConfigurationHandle ClientConfiguration::finish() {
  for (const auto& [key, value] : settings_.extra_properties) {
    check_overridable_property(key);
    std::array<char, 512> ignored{};  // librdkafka's message may quote the value, which may be a secret
    const rd_kafka_conf_res_t result =
        rd_kafka_conf_set(configuration_.get(), key.c_str(), value.c_str(), ignored.data(), ignored.size());
    if (result == RD_KAFKA_CONF_UNKNOWN) {
      throw KafkaConfigurationError(describe_brokers(settings_) + ": unknown librdkafka property '" + key + "'");
    }
    if (result != RD_KAFKA_CONF_OK) {
      throw KafkaConfigurationError(describe_brokers(settings_) + ": the value given for librdkafka property '" + key +
                                    "' is invalid");
    }
  }
  return std::move(configuration_);
}

ClientHandle create_client(rd_kafka_type_t type, ClientConfiguration configuration, const KafkaSettings& settings) {
  ConfigurationHandle finished = configuration.finish();
  std::array<char, 512> error{};
  ClientHandle client(rd_kafka_new(type, finished.get(), error.data(), error.size()));
  if (!client) {
    // Cross-property checks (say, SASL without a mechanism) fail here; their text names
    // properties, not values.
    throw KafkaConfigurationError(describe_brokers(settings) + ": cannot create a Kafka " +
                                  (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + error.data());
  }
  static_cast<void>(finished.release());  // rd_kafka_new took ownership
  return client;
}

std::string error_text(rd_kafka_t* client, rd_kafka_resp_err_t error) {
  if (error == RD_KAFKA_RESP_ERR__FATAL && client != nullptr) {
    std::array<char, 512> reason{};
    const rd_kafka_resp_err_t original = rd_kafka_fatal_error(client, reason.data(), reason.size());
    if (original != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::string("fatal: ") + reason.data() + " (" + rd_kafka_err2name(original) + ")";
    }
  }
  return std::string(rd_kafka_err2str(error)) + " (" + rd_kafka_err2name(error) + ")";
}

std::optional<int> fetch_partition_count(rd_kafka_t* client, const KafkaSettings& settings, const std::string& topic,
                                         std::chrono::milliseconds timeout) {
  TopicHandle handle(rd_kafka_topic_new(client, topic.c_str(), nullptr));
  if (!handle) {
    throw ports::BusError(describe_brokers(settings) + ": topic " + topic + ": " +
                          error_text(client, rd_kafka_last_error()));
  }
  const rd_kafka_metadata_t* answer = nullptr;
  const rd_kafka_resp_err_t error = rd_kafka_metadata(client, 0, handle.get(), &answer, to_milliseconds(timeout));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw ports::BusError(describe_brokers(settings) + ": reading metadata of topic " + topic +
                          " failed: " + error_text(client, error));
  }
  MetadataHandle metadata(answer);
  for (int index = 0; index < metadata->topic_cnt; ++index) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[index];
    if (topic != entry.topic) continue;
    if (entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return std::nullopt;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw ports::BusError(describe_brokers(settings) + ": topic " + topic + ": " + error_text(client, entry.err));
    }
    return entry.partition_cnt;
  }
  return std::nullopt;
}

}  // namespace tr1l::adapters::kafka
