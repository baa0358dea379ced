#include "adapters/kafka/kafka_publisher.h"

#include <spdlog/spdlog.h>

namespace tr1l::adapters::kafka {
namespace {

ClientConfiguration producer_configuration(const KafkaSettings& settings) {
  ClientConfiguration configuration(settings);
  configuration.set("enable.idempotence", "true");
  configuration.set("acks", "all");
  // Small records in large batches. On the test broker (which, not this client, is the
  // bottleneck) lz4 publishes about 1.5x as fast as no compression; a longer linger gains nothing.
  configuration.set("linger.ms", "5");
  configuration.set("batch.num.messages", "10000");
  configuration.set("batch.size", "1000000");
  configuration.set("compression.type", "lz4");
  // The bound that makes publish() block instead of growing memory.
  configuration.set("queue.buffering.max.messages", "100000");
  configuration.set("queue.buffering.max.kbytes", "65536");
  configuration.set("partitioner", "murmur2_random");
  return configuration;
}

std::size_t topic_index(ports::Topic topic) {
  switch (topic) {
    case ports::Topic::DeliveryRequests:
      return 0;
    case ports::Topic::DeliveryResults:
      return 1;
    case ports::Topic::DeadLetters:
      return 2;
  }
  throw ports::BusError("unknown bus topic " + std::to_string(static_cast<int>(topic)));
}

}  // namespace

KafkaPublisher::KafkaPublisher(KafkaSettings settings) : settings_(std::move(settings)) {
  ClientConfiguration configuration = producer_configuration(settings_);
  rd_kafka_conf_set_dr_msg_cb(configuration.get(), &KafkaPublisher::on_delivery);
  rd_kafka_conf_set_opaque(configuration.get(), this);
  client_ = create_client(RD_KAFKA_PRODUCER, std::move(configuration), settings_);
  for (ports::Topic topic : {ports::Topic::DeliveryRequests, ports::Topic::DeliveryResults, ports::Topic::DeadLetters}) {
    const std::string& name = settings_.topic_name(topic);
    topics_[topic_index(topic)].reset(rd_kafka_topic_new(client_.get(), name.c_str(), nullptr));
    if (!topics_[topic_index(topic)]) {
      throw ports::BusError(describe_brokers(settings_) + ": topic " + name + ": " +
                            error_text(client_.get(), rd_kafka_last_error()));
    }
  }
}

KafkaPublisher::~KafkaPublisher() {
  if (!client_) return;
  const int unconfirmed = rd_kafka_outq_len(client_.get());
  if (unconfirmed > 0) {
    spdlog::warn("{}: publisher closed with {} record(s) not confirmed by flush(); they may not have been sent",
                 describe_brokers(settings_), unconfirmed);
    rd_kafka_purge(client_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(client_.get(), 0);  // serve the purged records' reports while `this` is whole
  }
  for (TopicHandle& topic : topics_) topic.reset();
  client_.reset();
}

void KafkaPublisher::publish(ports::Topic topic, std::string_view key, std::string_view payload) {
  rd_kafka_topic_t* handle = topics_[topic_index(topic)].get();
  while (true) {
    const rd_kafka_resp_err_t error =
        rd_kafka_producev(client_.get(), RD_KAFKA_V_RKT(handle), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()), RD_KAFKA_V_END);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw ports::BusError(describe_brokers(settings_) + ": cannot publish to topic " + rd_kafka_topic_name(handle) +
                            ": " + error_text(client_.get(), error));
    }
    // Backpressure: serving delivery reports is what frees queue space.
    rd_kafka_poll(client_.get(), 10);
    // A full queue behind a failed record means the brokers are not taking records; waiting on
    // would block for as long as message.timeout.ms allows, record after record.
    if (auto failures = describe_failures(false)) throw ports::BusError(*failures);
  }
  rd_kafka_poll(client_.get(), 0);
}

void KafkaPublisher::flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t result = rd_kafka_flush(client_.get(), to_milliseconds(timeout));
  std::optional<std::string> failures = describe_failures(true);
  const int unconfirmed = rd_kafka_outq_len(client_.get());
  if (result == RD_KAFKA_RESP_ERR__TIMED_OUT && unconfirmed > 0) {
    const std::string waiting = std::to_string(unconfirmed) + " record(s) still unacknowledged after " +
                                std::to_string(timeout.count()) + " ms";
    throw ports::BusError(failures ? *failures + "; " + waiting : describe_brokers(settings_) + ": " + waiting);
  }
  if (failures) throw ports::BusError(*failures);
}

std::size_t KafkaPublisher::unconfirmed() const { return static_cast<std::size_t>(rd_kafka_outq_len(client_.get())); }

void KafkaPublisher::on_delivery(rd_kafka_t* /*client*/, const rd_kafka_message_t* message, void* opaque) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* publisher = static_cast<KafkaPublisher*>(opaque);
  std::lock_guard lock(publisher->failures_mutex_);
  if (publisher->failed_records_++ == 0) {
    const auto* key = static_cast<const char*>(message->key);
    publisher->first_failure_ = Failure{rd_kafka_topic_name(message->rkt), message->partition,
                                        key == nullptr ? std::string() : std::string(key, message->key_len),
                                        message->err};
  }
}

std::optional<std::string> KafkaPublisher::describe_failures(bool clear) {
  std::lock_guard lock(failures_mutex_);
  if (failed_records_ == 0 || !first_failure_) return std::nullopt;
  const Failure& first = *first_failure_;
  std::string text = describe_brokers(settings_) + ": " + std::to_string(failed_records_) +
                     " record(s) not delivered; the first to topic " + first.topic;
  if (first.partition >= 0) text += " partition " + std::to_string(first.partition);
  text += " key '" + first.key + "': " + error_text(client_.get(), first.error);
  if (clear) {
    failed_records_ = 0;
    first_failure_.reset();
  }
  return text;
}

}  // namespace tr1l::adapters::kafka
