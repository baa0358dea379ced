#include "adapters/kafka/kafka_bus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <thread>
#include <vector>

namespace tr1l::adapters::kafka {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Kafka answers CreateTopics once the controller has recorded the topics; every broker learns of
// them from the controller afterwards (KRaft: by replaying the metadata log), which takes longer
// on a loaded machine. Until then a Metadata request (ours, or the producer's first one when
// `tr1l dispatch` publishes right away) finds the topic missing or its partitions without a
// leader. So wait, polling fresh metadata, until a broker shows the topic with its partitions.
// For a topic we created (`created_with` partitions, else 0) that means all of them, each with a
// leader; one that already existed only has to be visible, as a partition whose leader is down
// for a while is the producer's to retry, not a reason to refuse to start.
TopicMetadata await_topic(rd_kafka_t* client, const KafkaSettings& settings, const std::string& topic,
                          int created_with, const std::string& layout, Clock::time_point started,
                          Clock::time_point deadline) {
  milliseconds backoff{10};
  for (;;) {
    // The floor leaves the last attempt, after the final backoff, time to be answered.
    const auto remaining = std::max(std::chrono::ceil<milliseconds>(deadline - Clock::now()), milliseconds{100});
    const TopicMetadata metadata = fetch_topic_metadata(client, settings, topic, remaining);
    const bool visible = metadata.error == RD_KAFKA_RESP_ERR_NO_ERROR && metadata.partitions > 0;
    if (visible && (created_with == 0 || (metadata.partitions == created_with &&
                                          metadata.partitions_with_leader == metadata.partitions))) {
      return metadata;
    }
    // Only "not there yet" is worth waiting for; anything else (say, not authorised) stays.
    if (metadata.error != RD_KAFKA_RESP_ERR_NO_ERROR && metadata.error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
        metadata.error != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
      throw ports::BusError(describe_brokers(settings) + ": topic " + topic + " (" + layout +
                            "): " + error_text(client, metadata.error));
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      const std::string last = metadata.error != RD_KAFKA_RESP_ERR_NO_ERROR
                                   ? error_text(client, metadata.error)
                                   : std::to_string(metadata.partitions_with_leader) + " of " +
                                         std::to_string(metadata.partitions) + " partitions with a leader";
      throw ports::BusError(describe_brokers(settings) + ": topic " + topic + " (" + layout +
                            ") is not in the brokers' metadata with its partitions " +
                            std::to_string(std::chrono::duration_cast<milliseconds>(now - started).count()) +
                            " ms after ensuring it (last answer: " + last + ")");
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(backoff, deadline - now));
    backoff = std::min(backoff * 2, milliseconds{200});
  }
}

}  // namespace

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
  std::vector<std::pair<std::string, bool>> ensured;  // name, created by us
  for (std::size_t index = 0; index < count; ++index) {
    const std::string name = rd_kafka_topic_result_name(results[index]);
    const rd_kafka_resp_err_t outcome = rd_kafka_topic_result_error(results[index]);
    if (outcome == RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::info("{}: created topic {} ({})", describe_brokers(settings_), name, layout);
      ensured.emplace_back(name, true);
    } else if (outcome == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      // Possibly created a moment ago by another process, so it may not be in the metadata yet either.
      ensured.emplace_back(name, false);
    } else {
      const char* reason = rd_kafka_topic_result_error_string(results[index]);
      throw ports::BusError(describe_brokers(settings_) + ": creating topic " + name + " (" + layout +
                            ") failed: " + (reason != nullptr ? reason : rd_kafka_err2str(outcome)) + " (" +
                            rd_kafka_err2name(outcome) + ")");
    }
  }
  const auto started = Clock::now();
  const auto deadline = started + settings_.request_timeout;
  for (const auto& [name, created] : ensured) {
    const TopicMetadata metadata =
        await_topic(client, settings_, name, created ? settings_.partitions : 0, layout, started, deadline);
    if (!created && metadata.partitions != settings_.partitions) {
      spdlog::warn("{}: topic {} exists with {} partitions, not the configured {}; left as it is",
                   describe_brokers(settings_), name, metadata.partitions, settings_.partitions);
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
