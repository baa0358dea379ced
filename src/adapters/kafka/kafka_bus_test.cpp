// KafkaPublisher and KafkaConsumer against librdkafka's in-process mock cluster: fast, and run
// under the sanitizers with the other unit tests. The real broker's behaviour (topic creation,
// rebalances, throughput) is covered by kafka_bus_integration_test.cpp.
#include "adapters/kafka/kafka_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>  // after rdkafka.h, which it requires

#include <array>
#include <chrono>
#include <memory>

namespace tr1l::adapters::kafka {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const { rd_kafka_mock_cluster_destroy(cluster); }
};

constexpr std::int16_t kProduceRequest = 0;  // Kafka protocol ApiKey

class KafkaBusOnMockCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<char, 256> error{};
    // The mock cluster lives inside a client of its own; the bus's clients reach it over loopback.
    rd_kafka_conf_t* configuration = rd_kafka_conf_new();
    // It connects to nothing, which librdkafka would otherwise point out.
    rd_kafka_conf_set(configuration, "log_level", "3", error.data(), error.size());
    owner_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, configuration, error.data(), error.size()));
    ASSERT_TRUE(owner_) << error.data();
    cluster_.reset(rd_kafka_mock_cluster_new(owner_.get(), 1));
    ASSERT_TRUE(cluster_);
    settings_ = parse_kafka_url(std::string("kafka://") + rd_kafka_mock_cluster_bootstraps(cluster_.get()) +
                                "?topic_prefix=mock.&session_timeout_ms=6000");
    settings_.request_timeout = 10s;
    for (const std::string* topic : {&settings_.requests_topic, &settings_.results_topic, &settings_.dead_letters_topic}) {
      ASSERT_EQ(rd_kafka_mock_topic_create(cluster_.get(), topic->c_str(), 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }

  void TearDown() override {
    cluster_.reset();
    owner_.reset();
  }

  static std::vector<ports::ReceivedRecord> receive(ports::BusConsumer& consumer, std::size_t count) {
    std::vector<ports::ReceivedRecord> received;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (received.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& record : consumer.poll(count - received.size(), 100ms)) received.push_back(std::move(record));
    }
    return received;
  }

  // The group's committed offset as the coordinator reports it, read by a client outside the group.
  std::int64_t committed_position(const std::string& group, std::int32_t partition) {
    std::array<char, 256> error{};
    rd_kafka_conf_t* configuration = rd_kafka_conf_new();
    rd_kafka_conf_set(configuration, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(cluster_.get()), error.data(),
                      error.size());
    rd_kafka_conf_set(configuration, "group.id", group.c_str(), error.data(), error.size());
    ClientHandle reader(rd_kafka_new(RD_KAFKA_CONSUMER, configuration, error.data(), error.size()));
    if (!reader) throw std::runtime_error(error.data());
    PartitionListHandle positions(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(positions.get(), settings_.requests_topic.c_str(), partition);
    if (rd_kafka_committed(reader.get(), positions.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    const std::int64_t offset = positions->elems[0].offset;
    rd_kafka_consumer_close(reader.get());
    return offset;
  }

  ClientHandle owner_;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster_;
  KafkaSettings settings_;
};

TEST_F(KafkaBusOnMockCluster, PublishedRecordsAreConsumedAndOnlyTheAcknowledgedPrefixIsCommitted) {
  KafkaBus bus(settings_);
  EXPECT_EQ(bus.partition_count(settings_.requests_topic), 2);
  {
    auto publisher = bus.publisher();
    for (int index = 0; index < 6; ++index) {
      publisher->publish(ports::Topic::DeliveryRequests, "same-user", "r" + std::to_string(index));
    }
    publisher->flush(10s);
  }
  KafkaConsumer consumer(settings_, "mock-group");
  auto received = receive(consumer, 6);
  ASSERT_EQ(received.size(), 6u);
  for (int index = 0; index < 6; ++index) {
    EXPECT_EQ(received[index].key, "same-user");
    EXPECT_EQ(received[index].payload, "r" + std::to_string(index));
    EXPECT_EQ(received[index].partition, received[0].partition);
  }
  const std::int32_t partition = received[0].partition;
  const std::int64_t first = received[0].offset;
  EXPECT_EQ(consumer.lag(), 6);

  consumer.acknowledge(received[1]);
  consumer.acknowledge(received[0]);
  consumer.acknowledge(received[4]);
  consumer.acknowledge(received[5]);
  consumer.commit();
  EXPECT_EQ(committed_position("mock-group", partition), first + 2);
  EXPECT_EQ(consumer.lag(), 4);

  consumer.acknowledge(received[3]);
  consumer.acknowledge(received[2]);
  consumer.commit();
  EXPECT_EQ(committed_position("mock-group", partition), first + 6);
  EXPECT_EQ(consumer.lag(), 0);
}

TEST_F(KafkaBusOnMockCluster, FlushReportsARefusedRecordByTopicAndKeyButNotPayload) {
  KafkaPublisher publisher(settings_);
  rd_kafka_mock_push_request_errors(cluster_.get(), kProduceRequest, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  publisher.publish(ports::Topic::DeadLetters, "12345", "do-not-log-me");
  try {
    publisher.flush(10s);
    FAIL() << "flush succeeded";
  } catch (const ports::BusError& error) {
    EXPECT_THAT(error.what(), HasSubstr("1 record(s) not delivered; the first to topic mock.delivery.dead-letters"));
    EXPECT_THAT(error.what(), HasSubstr("key '12345'"));
    EXPECT_THAT(error.what(), HasSubstr("MSG_SIZE_TOO_LARGE"));
    EXPECT_THAT(error.what(), Not(HasSubstr("do-not-log-me")));
  }
  publisher.publish(ports::Topic::DeadLetters, "12345", "second try");
  publisher.flush(10s);  // the failure was reported once; the producer still works
  EXPECT_EQ(publisher.unconfirmed(), 0u);
}

TEST_F(KafkaBusOnMockCluster, PollWaitsNoLongerThanItsTimeout) {
  KafkaConsumer consumer(settings_, "idle-group");
  for (auto timeout : {0ms, 200ms}) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(consumer.poll(10, timeout).empty());
    EXPECT_LT(std::chrono::steady_clock::now() - started, timeout + 500ms);
  }
  EXPECT_TRUE(consumer.poll(0, 1s).empty());
}

}  // namespace
}  // namespace tr1l::adapters::kafka
