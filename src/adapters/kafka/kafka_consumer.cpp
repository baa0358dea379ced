#include "adapters/kafka/kafka_consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace tr1l::adapters::kafka {
namespace {

// Commits the broker refuses while the group is rebalancing. The positions are not lost: the
// rebalance revokes the partitions, and the revocation commits them.
bool is_rebalance_refusal(rd_kafka_resp_err_t error) {
  return error == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || error == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
         error == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || error == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST;
}

bool contains(const rd_kafka_topic_partition_list_t* list, std::string_view topic, std::int32_t partition) {
  for (int index = 0; index < list->cnt; ++index) {
    if (list->elems[index].partition == partition && topic == list->elems[index].topic) return true;
  }
  return false;
}

std::string text_of(const void* data, std::size_t length) {
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), length);
}

}  // namespace

KafkaConsumer::KafkaConsumer(KafkaSettings settings, std::string group)
    : settings_(std::move(settings)), group_(std::move(group)), last_periodic_commit_(std::chrono::steady_clock::now()) {
  if (group_.empty()) throw KafkaConfigurationError(describe_brokers(settings_) + ": a consumer needs a group name");
  ClientConfiguration configuration(settings_);
  configuration.set("group.id", group_);
  configuration.set("enable.auto.commit", "false");
  configuration.set("enable.auto.offset.store", "false");
  configuration.set("auto.offset.reset", "earliest");
  const auto session = settings_.session_timeout.count();
  configuration.set("session.timeout.ms", std::to_string(session));
  // A member learns that another has joined from its next heartbeat, and the newcomer gets no
  // partition until then: at librdkafka's 3 s a process added to a busy group waited up to 3 s
  // (and `deliver --until-idle` gave up as idle after 3 s). One heartbeat a second costs nothing.
  configuration.set("heartbeat.interval.ms", std::to_string(std::clamp<long long>(session / 3, 100, 1'000)));
  // Prefetched records are bounded too (librdkafka's default is 64 MiB).
  configuration.set("queued.max.messages.kbytes", "32768");
  rd_kafka_conf_set_rebalance_cb(configuration.get(), &KafkaConsumer::on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(configuration.get(), &KafkaConsumer::on_commit);
  rd_kafka_conf_set_opaque(configuration.get(), this);
  client_ = create_client(RD_KAFKA_CONSUMER, std::move(configuration), settings_);
  // Errors, logs and rebalances are all served by poll().
  rd_kafka_poll_set_consumer(client_.get());

  PartitionListHandle topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), settings_.requests_topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (const rd_kafka_resp_err_t error = rd_kafka_subscribe(client_.get(), topics.get());
      error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw ports::BusError(describe_brokers(settings_) + ": consumer group " + group_ + " cannot subscribe to topic " +
                          settings_.requests_topic + ": " + error_text(client_.get(), error));
  }
}

KafkaConsumer::~KafkaConsumer() {
  if (!client_) return;
  // Close revokes the assignment through on_rebalance, which commits the acknowledged positions,
  // and then leaves the group so the others rebalance without waiting for the session timeout.
  if (const rd_kafka_resp_err_t error = rd_kafka_consumer_close(client_.get()); error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("{}: closing consumer group {} member: {}", describe_brokers(settings_), group_,
                 error_text(client_.get(), error));
  }
  client_.reset();
}

std::vector<ports::ReceivedRecord> KafkaConsumer::poll(std::size_t max_records, std::chrono::milliseconds timeout) {
  std::vector<ports::ReceivedRecord> records;
  if (max_records == 0) return records;
  commit_in_background_when_due();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < max_records) {
    // Wait only for the first record; then take what is already fetched.
    int wait = 0;
    if (records.empty()) {
      wait = to_milliseconds(
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    }
    MessageHandle message(rd_kafka_consumer_poll(client_.get(), wait));
    if (!message) {
      if (!records.empty() || std::chrono::steady_clock::now() >= deadline) break;
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
        throw ports::BusError(describe_brokers(settings_) + ": consumer group " + group_ + ": " +
                              error_text(client_.get(), message->err));
      }
      // Say it once, not once per poll: a missing topic or an unreachable broker repeats itself.
      if (message->err != last_reported_error_) {
        last_reported_error_ = message->err;
        spdlog::warn("{}: consumer group {} on topic {}: {}", describe_brokers(settings_), group_,
                     settings_.requests_topic, rd_kafka_message_errstr(message.get()));
      }
      continue;
    }
    last_reported_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    ports::ReceivedRecord& record = records.emplace_back();
    record.key = text_of(message->key, message->key_len);
    record.payload = text_of(message->payload, message->len);
    record.partition = message->partition;
    record.offset = message->offset;
    // Registered before the next rd_kafka_consumer_poll, which may run a rebalance: a record
    // always belongs to the assignment it came from.
    std::lock_guard lock(mutex_);
    if (auto tracked = partitions_.find(record.partition); tracked != partitions_.end()) {
      tracked->second.delivered(record.offset);
    }
  }
  return records;
}

void KafkaConsumer::acknowledge(const ports::ReceivedRecord& record) {
  std::lock_guard lock(mutex_);
  if (auto tracked = partitions_.find(record.partition); tracked != partitions_.end()) {
    tracked->second.acknowledge(record.offset);
  }
}

void KafkaConsumer::commit() {
  PartitionListHandle positions = take_positions(false);
  if (!positions) return;
  const rd_kafka_resp_err_t error = commit_and_wait(positions.get());
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  if (is_rebalance_refusal(error)) {
    spdlog::info("{}: consumer group {} is rebalancing; positions are committed on revocation instead",
                 describe_brokers(settings_), group_);
    return;
  }
  throw ports::BusError(describe_brokers(settings_) + ": committing consumer group " + group_ + " positions on topic " +
                        settings_.requests_topic + " failed: " + error_text(client_.get(), error));
}

std::int64_t KafkaConsumer::lag() {
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(client_.get(), &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  PartitionListHandle assigned(assignment);
  rd_kafka_position(client_.get(), assigned.get());  // next fetch offsets, for partitions nothing was taken from
  std::int64_t total = 0;
  std::lock_guard lock(mutex_);
  for (int index = 0; index < assigned->cnt; ++index) {
    const rd_kafka_topic_partition_t& partition = assigned->elems[index];
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(client_.get(), partition.topic, partition.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    std::int64_t position = partition.offset;
    if (auto tracked = partitions_.find(partition.partition); tracked != partitions_.end()) {
      if (auto committable = tracked->second.committable()) position = *committable;
    }
    if (position >= 0) total += std::max<std::int64_t>(0, high - position);
  }
  return total;
}

std::size_t KafkaConsumer::assigned_partitions() {
  std::lock_guard lock(mutex_);
  return partitions_.size();
}

void KafkaConsumer::on_rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* consumer = static_cast<KafkaConsumer*>(opaque);
  consumer->cooperative_ = std::strcmp(rd_kafka_rebalance_protocol(client), "COOPERATIVE") == 0;
  if (event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    consumer->assign(partitions);
  } else if (event == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    consumer->revoke(partitions);
  } else {
    spdlog::warn("{}: consumer group {} rebalance failed: {}", describe_brokers(consumer->settings_), consumer->group_,
                 error_text(client, event));
    {
      std::lock_guard lock(consumer->mutex_);
      consumer->partitions_.clear();
    }
    rd_kafka_assign(client, nullptr);
  }
}

void KafkaConsumer::assign(rd_kafka_topic_partition_list_t* partitions) {
  {
    std::lock_guard lock(mutex_);
    for (int index = 0; index < partitions->cnt; ++index) {
      if (settings_.requests_topic != partitions->elems[index].topic) continue;
      // Fresh tracking: a partition that comes back starts again from its committed position.
      partitions_.insert_or_assign(partitions->elems[index].partition, AcknowledgedOffsets());
    }
  }
  spdlog::info("{}: consumer group {} assigned {} partition(s)", describe_brokers(settings_), group_, partitions->cnt);
  joined_ = true;
  if (cooperative_) {
    if (ErrorHandle error{rd_kafka_incremental_assign(client_.get(), partitions)}) {
      spdlog::warn("{}: consumer group {} incremental assign: {}", describe_brokers(settings_), group_,
                   rd_kafka_error_string(error.get()));
    }
  } else if (const rd_kafka_resp_err_t error = rd_kafka_assign(client_.get(), partitions);
             error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("{}: consumer group {} assign: {}", describe_brokers(settings_), group_, error_text(client_.get(), error));
  }
}

void KafkaConsumer::revoke(rd_kafka_topic_partition_list_t* partitions) {
  // Lost partitions (session timed out) already belong to someone else: committing for them
  // would be refused, or worse, move another member's position.
  const bool lost = rd_kafka_assignment_lost(client_.get()) != 0;
  PartitionListHandle positions = take_positions(false, partitions);
  if (positions && !lost) {
    const rd_kafka_resp_err_t error = commit_and_wait(positions.get());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      spdlog::warn("{}: consumer group {} could not commit revoked partitions (their unacknowledged and "
                   "uncommitted records will be delivered again): {}",
                   describe_brokers(settings_), group_, error_text(client_.get(), error));
    }
  }
  spdlog::debug("{}: consumer group {} revoked {} partition(s){}", describe_brokers(settings_), group_, partitions->cnt,
                lost ? " (lost)" : "");
  if (cooperative_) {
    if (ErrorHandle error{rd_kafka_incremental_unassign(client_.get(), partitions)}) {
      spdlog::warn("{}: consumer group {} incremental unassign: {}", describe_brokers(settings_), group_,
                   rd_kafka_error_string(error.get()));
    }
  } else {
    rd_kafka_assign(client_.get(), nullptr);
  }
}

PartitionListHandle KafkaConsumer::take_positions(bool only_changed, const rd_kafka_topic_partition_list_t* revoked) {
  std::lock_guard lock(mutex_);
  PartitionListHandle positions(rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size()) + 1));
  for (auto entry = partitions_.begin(); entry != partitions_.end();) {
    auto& [partition, offsets] = *entry;
    const bool is_revoked = revoked != nullptr && contains(revoked, settings_.requests_topic, partition);
    if (revoked != nullptr && !is_revoked) {
      ++entry;
      continue;
    }
    if (only_changed ? offsets.changed_since_commit() : offsets.moved()) {
      const std::int64_t position = *offsets.committable();
      rd_kafka_topic_partition_list_add(positions.get(), settings_.requests_topic.c_str(), partition)->offset = position;
      offsets.mark_committed(position);
    }
    entry = is_revoked ? partitions_.erase(entry) : std::next(entry);
  }
  if (positions->cnt == 0) return nullptr;
  return positions;
}

rd_kafka_resp_err_t KafkaConsumer::commit_and_wait(const rd_kafka_topic_partition_list_t* positions) {
  QueueHandle queue(rd_kafka_queue_new(client_.get()));
  rd_kafka_resp_err_t error = rd_kafka_commit_queue(client_.get(), positions, queue.get(), nullptr, nullptr);
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    EventHandle result(rd_kafka_queue_poll(queue.get(), to_milliseconds(settings_.request_timeout)));
    if (!result) {
      error = RD_KAFKA_RESP_ERR__TIMED_OUT;
    } else {
      error = rd_kafka_event_error(result.get());
      if (const rd_kafka_topic_partition_list_t* offsets = rd_kafka_event_topic_partition_list(result.get())) {
        for (int index = 0; index < offsets->cnt && error == RD_KAFKA_RESP_ERR_NO_ERROR; ++index) {
          error = offsets->elems[index].err;
        }
      }
    }
  }
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR__NO_OFFSET) note_commit_result(positions);
  return error;
}

void KafkaConsumer::note_commit_result(const rd_kafka_topic_partition_list_t* offsets) {
  std::lock_guard lock(mutex_);
  for (int index = 0; index < offsets->cnt; ++index) {
    if (auto tracked = partitions_.find(offsets->elems[index].partition); tracked != partitions_.end()) {
      tracked->second.mark_commit_failed(offsets->elems[index].offset);
    }
  }
}

void KafkaConsumer::commit_in_background_when_due() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_periodic_commit_ < settings_.commit_interval) return;
  last_periodic_commit_ = now;
  PartitionListHandle positions = take_positions(true);
  if (!positions) return;
  // The answer arrives in on_commit, during a later poll().
  if (const rd_kafka_resp_err_t error = rd_kafka_commit(client_.get(), positions.get(), 1);
      error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    note_commit_result(positions.get());
  }
}

void KafkaConsumer::on_commit(rd_kafka_t* client, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* offsets,
                              void* opaque) {
  if (error == RD_KAFKA_RESP_ERR__NO_OFFSET || offsets == nullptr) return;
  auto* consumer = static_cast<KafkaConsumer*>(opaque);
  {
    std::lock_guard lock(consumer->mutex_);
    for (int index = 0; index < offsets->cnt; ++index) {
      const rd_kafka_topic_partition_t& partition = offsets->elems[index];
      if (error == RD_KAFKA_RESP_ERR_NO_ERROR && partition.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (auto tracked = consumer->partitions_.find(partition.partition); tracked != consumer->partitions_.end()) {
        tracked->second.mark_commit_failed(partition.offset);
      }
    }
  }
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR && !is_rebalance_refusal(error)) {
    spdlog::warn("{}: consumer group {} periodic commit failed (retried at the next): {}",
                 describe_brokers(consumer->settings_), consumer->group_, error_text(client, error));
  }
}

}  // namespace tr1l::adapters::kafka
