// One member of a Kafka consumer group reading the requests topic. Offsets are committed by this
// class, never by librdkafka on its own: only the position after a partition's longest prefix of
// acknowledged records is committed — every commit_interval while poll() is called, on commit(),
// when partitions are revoked in a rebalance, and on close. Revoked partitions are forgotten: a
// later acknowledgement of one of their records is ignored, and the new owner receives every
// unacknowledged record again (delivery's database claim makes that harmless).
//
// Call poll() at least every max.poll.interval.ms (librdkafka's default: 5 minutes), or the
// broker takes the partitions away. poll() and the destructor belong to one thread;
// acknowledge(), commit() and lag() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/kafka/acknowledged_offsets.h"
#include "adapters/kafka/kafka_client.h"
#include "adapters/kafka/kafka_settings.h"
#include "ports/bus.h"

namespace tr1l::adapters::kafka {

class KafkaConsumer final : public ports::BusConsumer {
 public:
  // Joins `group` (subscribing to settings.requests_topic; a group with no committed position
  // starts at the earliest record). Throws KafkaConfigurationError for an unusable configuration.
  KafkaConsumer(KafkaSettings settings, std::string group);
  // Commits what is committable and leaves the group (the remaining members rebalance at once).
  ~KafkaConsumer() override;
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Rebalances happen inside poll(); one that revokes partitions also waits for the commit of
  // their positions, which may take longer than `timeout`. Throws BusError on a fatal error.
  std::vector<ports::ReceivedRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) override;
  void acknowledge(const ports::ReceivedRecord& record) override;
  // Waits up to settings.request_timeout. A commit refused because the group is rebalancing is
  // not an error (the revocation commits instead); any other failure throws BusError.
  void commit() override;
  bool joined() override { return joined_.load(); }

  // Records in the assigned partitions after the committable positions, from the high watermarks
  // the latest fetches reported (an estimate; partitions not fetched yet count 0).
  std::int64_t lag();
  // Partitions of the requests topic this member holds now; 0 until its first rebalance ends.
  std::size_t assigned_partitions();
  const std::string& group() const { return group_; }

 private:
  static void on_rebalance(rd_kafka_t* client, rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);
  static void on_commit(rd_kafka_t* client, rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* offsets,
                        void* opaque);
  void assign(rd_kafka_topic_partition_list_t* partitions);
  void revoke(rd_kafka_topic_partition_list_t* partitions);
  // The committable positions (all that moved, or only those changed since their last commit),
  // marked committed; nullptr when there is nothing to commit. `revoked` (when given) are also
  // forgotten.
  PartitionListHandle take_positions(bool only_changed, const rd_kafka_topic_partition_list_t* revoked = nullptr);
  // Commits and waits up to settings_.request_timeout; marks failed partitions for another try.
  rd_kafka_resp_err_t commit_and_wait(const rd_kafka_topic_partition_list_t* positions);
  void note_commit_result(const rd_kafka_topic_partition_list_t* offsets);
  void commit_in_background_when_due();

  KafkaSettings settings_;
  std::string group_;
  std::mutex mutex_;  // guards partitions_
  std::map<std::int32_t, AcknowledgedOffsets> partitions_;
  std::chrono::steady_clock::time_point last_periodic_commit_;
  rd_kafka_resp_err_t last_reported_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool cooperative_ = false;
  std::atomic<bool> joined_{false};  // set by the first assignment
  // Declared last: destroyed first, while the state its callbacks use still exists.
  ClientHandle client_;
};

}  // namespace tr1l::adapters::kafka
