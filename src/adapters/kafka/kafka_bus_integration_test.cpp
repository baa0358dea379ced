// KafkaBus against a real Kafka broker (scripts/servers/kafka.sh writes TR1L_TEST_KAFKA_BROKERS):
// topic creation, keys and payloads intact, one key on one partition, commits that only move past
// acknowledged records, a rebalance that loses nothing, clear errors when the broker is missing,
// and the throughput of 200,000 records each way. Every test uses its own topics and groups.
#include "adapters/kafka/kafka_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tr1l::adapters::kafka {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The broker from the environment; empty (the test skips) when unset, unless
// TR1L_REQUIRE_SERVERS=1, when a missing broker fails the test.
std::string kafka_brokers() {
  const std::string brokers = variable("TR1L_TEST_KAFKA_BROKERS");
  if (brokers.empty() && variable("TR1L_REQUIRE_SERVERS") == "1") {
    ADD_FAILURE() << "TR1L_TEST_KAFKA_BROKERS is not set but TR1L_REQUIRE_SERVERS=1 "
                     "(start one with scripts/servers/kafka.sh start DIR and source DIR/env)";
  }
  return brokers;
}

// Topic prefixes and group names unique to one test run, so reruns against the same broker never
// see each other's records or committed positions.
std::string unique_name(const std::string& what) {
  static std::mt19937_64 random{std::random_device{}()};
  return "it-" + what + "-" + std::to_string(random() % 1'000'000'000) + ".";
}

// A port nothing listens on: bound by us a moment ago, then released.
int closed_port() {
  const int descriptor = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(descriptor, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(descriptor);
    throw std::runtime_error("cannot pick a closed port");
  }
  ::close(descriptor);
  return ntohs(address.sin_port);
}

double per_second(std::size_t count, Clock::duration elapsed) {
  return static_cast<double>(count) / std::chrono::duration<double>(elapsed).count();
}

class KafkaBusIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = kafka_brokers();
    if (brokers_.empty() && !HasFailure()) GTEST_SKIP() << "no Kafka: TR1L_TEST_KAFKA_BROKERS is not set";
  }

  KafkaSettings settings(const std::string& test, int partitions) {
    // TR1L_KAFKA_PROPERTIES applies, so the same tests can run against a broker that wants TLS or SASL.
    KafkaSettings settings = kafka_settings_from_environment("kafka://" + brokers_ + "?topic_prefix=" + unique_name(test) +
                                             "&partitions=" + std::to_string(partitions) + "&session_timeout_ms=6000");
    settings.request_timeout = 20s;
    return settings;
  }

  // Polls until `count` records arrived or `limit` passed, acknowledging each when asked.
  static std::vector<ports::ReceivedRecord> receive(ports::BusConsumer& consumer, std::size_t count,
                                                    std::chrono::milliseconds limit, bool acknowledge = false) {
    std::vector<ports::ReceivedRecord> received;
    const auto deadline = Clock::now() + limit;
    while (received.size() < count && Clock::now() < deadline) {
      for (auto& record : consumer.poll(count - received.size(), 200ms)) {
        if (acknowledge) consumer.acknowledge(record);
        received.push_back(std::move(record));
      }
    }
    return received;
  }

  std::string brokers_;
};

TEST_F(KafkaBusIntegration, EnsureTopicsCreatesEveryTopicWithTheConfiguredPartitionsAndIsIdempotent) {
  KafkaBus bus(settings("topics", 5));
  EXPECT_EQ(bus.backend(), "kafka");
  EXPECT_TRUE(bus.shared_between_processes());
  const auto& names = bus.settings();
  EXPECT_EQ(bus.partition_count(names.requests_topic), std::nullopt);

  bus.ensure_topics();
  // No waiting here: ensure_topics() returns only once the brokers' metadata shows the topics,
  // and partition_count() asks a broker afresh.
  for (const std::string& topic : {names.requests_topic, names.results_topic, names.dead_letters_topic}) {
    EXPECT_EQ(bus.partition_count(topic), 5) << topic;
  }
  bus.ensure_topics();  // existing topics are success, and are left as they are
  KafkaSettings different = names;
  different.partitions = 7;
  KafkaBus other(different);
  other.ensure_topics();
  EXPECT_EQ(bus.partition_count(names.requests_topic), 5);
}

TEST_F(KafkaBusIntegration, RecordsArriveWithKeyAndPayloadIntactAndOneKeyStaysOnOnePartition) {
  KafkaBus bus(settings("roundtrip", 4));
  bus.ensure_topics();
  constexpr int count = 400;
  std::map<std::string, std::string> key_of_payload;
  {
    auto publisher = bus.publisher();
    for (int index = 0; index < count; ++index) {
      const std::string key = std::to_string(100'000 + index % 40);
      std::string payload = "{\"attempt\":" + std::to_string(index) + std::string("}\0\xff\n", 4);
      if (index == 7) payload += std::string(100'000, 'x');  // far beyond one small batch
      publisher->publish(ports::Topic::DeliveryRequests, key, payload);
      key_of_payload[payload] = key;
    }
    publisher->publish(ports::Topic::DeliveryResults, "100000", "result");  // other topics are not consumed
    publisher->flush(30s);
  }

  auto consumer = bus.consumer(unique_name("roundtrip-group"));
  std::vector<ports::ReceivedRecord> received;
  const auto deadline = Clock::now() + 60s;
  while (received.size() < count && Clock::now() < deadline) {
    auto batch = consumer->poll(64, 500ms);
    EXPECT_LE(batch.size(), 64u);
    for (auto& record : batch) received.push_back(std::move(record));
  }
  ASSERT_EQ(received.size(), static_cast<std::size_t>(count));

  std::map<std::string, int> partition_of_key;
  std::map<int, std::int64_t> last_offset;
  std::set<std::string> payloads;
  for (const auto& record : received) {
    ASSERT_TRUE(key_of_payload.contains(record.payload)) << "unexpected payload of " << record.payload.size() << " bytes";
    EXPECT_EQ(record.key, key_of_payload[record.payload]);
    EXPECT_TRUE(payloads.insert(record.payload).second) << "delivered twice";
    const auto [known, inserted] = partition_of_key.emplace(record.key, record.partition);
    EXPECT_EQ(known->second, record.partition) << "key " << record.key << " on two partitions";
    if (last_offset.contains(record.partition)) {
      EXPECT_GT(record.offset, last_offset[record.partition]);
    }
    last_offset[record.partition] = record.offset;
  }
  EXPECT_EQ(partition_of_key.size(), 40u);
  std::set<int> used_partitions;
  for (const auto& [key, partition] : partition_of_key) used_partitions.insert(partition);
  EXPECT_GT(used_partitions.size(), 1u) << "40 keys should spread over 4 partitions";

  auto* kafka_consumer = dynamic_cast<KafkaConsumer*>(consumer.get());
  ASSERT_NE(kafka_consumer, nullptr);
  EXPECT_EQ(kafka_consumer->lag(), count);  // received, none acknowledged
  for (const auto& record : received) consumer->acknowledge(record);
  EXPECT_EQ(kafka_consumer->lag(), 0);
  consumer->commit();

  // Nothing more to read: an empty answer after about the timeout, not much longer.
  const auto started = Clock::now();
  EXPECT_TRUE(consumer->poll(10, 300ms).empty());
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 1500ms);
}

TEST_F(KafkaBusIntegration, OutOfOrderAcknowledgementsCommitOnlyTheContiguousPrefix) {
  KafkaBus bus(settings("prefix", 1));
  bus.ensure_topics();
  {
    auto publisher = bus.publisher();
    for (int index = 0; index < 4; ++index) publisher->publish(ports::Topic::DeliveryRequests, "42", "r" + std::to_string(index));
    publisher->flush(30s);
  }
  const std::string group = unique_name("prefix-group");
  {
    auto first = bus.consumer(group);
    auto received = receive(*first, 4, 60s);
    ASSERT_EQ(received.size(), 4u);
    for (int index = 0; index < 4; ++index) {
      EXPECT_EQ(received[index].payload, "r" + std::to_string(index));
      EXPECT_EQ(received[index].offset, index);
    }
    first->acknowledge(received[3]);
    first->acknowledge(received[0]);
    first->commit();
    first->acknowledge(received[1]);
    // received[2] is still being processed when this member closes.
  }
  auto second = bus.consumer(group);
  auto again = receive(*second, 2, 60s);
  // Anything more would be a record before the committed position.
  for (auto& record : second->poll(10, 1s)) again.push_back(std::move(record));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].payload, "r2");
  EXPECT_EQ(again[0].offset, 2);
  EXPECT_EQ(again[1].payload, "r3");  // acknowledged, but after r2: delivered again
}

TEST_F(KafkaBusIntegration, ASecondConsumerJoiningRebalancesWithoutLosingRecords) {
  KafkaBus bus(settings("rebalance", 6));
  bus.ensure_topics();
  auto publisher = bus.publisher();
  const auto publish_batch = [&](const std::string& label, int count) {
    for (int index = 0; index < count; ++index) {
      publisher->publish(ports::Topic::DeliveryRequests, "user-" + std::to_string(index % 60),
                         label + std::to_string(index));
    }
    publisher->flush(30s);
  };
  publish_batch("a", 600);

  const std::string group = unique_name("rebalance-group");
  std::set<std::string> acknowledged;
  std::set<std::string> unacknowledged;  // taken by the first member and never acknowledged by it
  auto first = bus.consumer(group);
  {
    // Half of what the first member takes is never acknowledged by it.
    auto taken = receive(*first, 100, 60s);
    ASSERT_FALSE(taken.empty());
    for (std::size_t index = 0; index < taken.size(); ++index) {
      if (index < taken.size() / 2) {
        first->acknowledge(taken[index]);
        acknowledged.insert(taken[index].payload);
      } else {
        unacknowledged.insert(taken[index].payload);
      }
    }
  }
  EXPECT_TRUE(first->joined());
  auto second = bus.consumer(group);
  // Assignments arrive through poll(), so a member that has not polled yet has not joined.
  EXPECT_FALSE(second->joined());
  auto* newcomer = dynamic_cast<KafkaConsumer*>(second.get());
  ASSERT_NE(newcomer, nullptr);
  std::map<std::string, int> second_batch_by_member;  // "first"/"second" -> records of batch b
  std::map<std::string, int> redelivered_to;          // "first"/"second" -> unacknowledged records received again
  bool second_batch_published = false;
  const auto deadline = Clock::now() + 120s;
  while (Clock::now() < deadline && acknowledged.size() < 1200) {
    for (auto* member : {first.get(), second.get()}) {
      const std::string name = member == first.get() ? "first" : "second";
      for (const auto& record : member->poll(200, 100ms)) {
        member->acknowledge(record);
        acknowledged.insert(record.payload);
        if (unacknowledged.erase(record.payload) > 0) ++redelivered_to[name];
        if (record.payload.starts_with("b")) ++second_batch_by_member[name];
      }
    }
    // Once the rebalance gave the newcomer its share, a new batch must spread over both members.
    // (Not "once the newcomer received a record": batch a may be all taken and acknowledged by the
    // first member before the rebalance, and its unacknowledged records may all sit in partitions
    // it keeps — then the newcomer has nothing to receive until batch b is published.)
    if (!second_batch_published && newcomer->assigned_partitions() > 0) {
      EXPECT_TRUE(second->joined());
      publish_batch("b", 600);
      second_batch_published = true;
    }
  }
  EXPECT_TRUE(second_batch_published) << "the second member never got partitions";
  // Every record handed out but not acknowledged was delivered again, to the member that kept its
  // partition (whose position went back to the committed one) or to the one that took it over.
  EXPECT_THAT(unacknowledged, ::testing::IsEmpty())
      << "records never delivered again after the rebalance (redelivered to the first member: "
      << redelivered_to["first"] << ", to the second: " << redelivered_to["second"] << ")";
  ASSERT_EQ(acknowledged.size(), 1200u) << "records lost in the rebalance";
  EXPECT_GT(second_batch_by_member["first"], 0);
  EXPECT_GT(second_batch_by_member["second"], 0);
  std::cout << "kafka rebalance: unacknowledged records delivered again to the first member " << redelivered_to["first"]
            << ", to the second " << redelivered_to["second"] << "\n";

  // Both members commit on close; a newcomer finds nothing left but a record published after.
  first.reset();
  second.reset();
  publisher->publish(ports::Topic::DeliveryRequests, "user-0", "sentinel");
  publisher->flush(30s);
  auto third = bus.consumer(group);
  auto leftovers = receive(*third, 1, 60s);
  for (auto& record : third->poll(100, 1s)) leftovers.push_back(std::move(record));
  ASSERT_EQ(leftovers.size(), 1u);
  EXPECT_EQ(leftovers[0].payload, "sentinel");
}

TEST_F(KafkaBusIntegration, FlushNamesTheTopicAndBrokersWhenTheBrokerIsUnreachable) {
  const int port = closed_port();
  KafkaSettings unreachable = parse_kafka_url("kafka://127.0.0.1:" + std::to_string(port) + "?topic_prefix=nowhere.");
  unreachable.extra_properties = {{"message.timeout.ms", "1500"}};
  unreachable.request_timeout = 1500ms;
  KafkaBus bus(unreachable);
  {
    auto publisher = bus.publisher();
    for (int index = 0; index < 3; ++index) {
      publisher->publish(ports::Topic::DeliveryRequests, "7", "payload-that-must-not-appear-" + std::to_string(index));
    }
    const auto started = Clock::now();
    try {
      publisher->flush(20s);
      FAIL() << "flush succeeded without a broker";
    } catch (const ports::BusError& error) {
      const std::string message = error.what();
      EXPECT_THAT(message, HasSubstr("127.0.0.1:" + std::to_string(port)));
      EXPECT_THAT(message, HasSubstr("3 record(s) not delivered"));
      EXPECT_THAT(message, HasSubstr("topic nowhere.delivery.requests"));
      EXPECT_THAT(message, HasSubstr("key '7'"));
      EXPECT_THAT(message, HasSubstr("timed out"));
      EXPECT_THAT(message, Not(HasSubstr("payload-that-must-not-appear")));
    }
    EXPECT_LT(Clock::now() - started, 10s);
    publisher->flush(1s);  // each failure is reported once
  }
  {
    KafkaSettings patient = unreachable;
    patient.extra_properties.clear();
    auto publisher = KafkaBus(patient).publisher();
    publisher->publish(ports::Topic::DeadLetters, "7", "x");
    EXPECT_THAT([&] { publisher->flush(300ms); },
                ::testing::ThrowsMessage<ports::BusError>(HasSubstr("1 record(s) still unacknowledged after 300 ms")));
  }
  EXPECT_THAT([&] { bus.ensure_topics(); },
              ::testing::ThrowsMessage<ports::BusError>(::testing::AllOf(
                  HasSubstr("127.0.0.1:" + std::to_string(port)), HasSubstr("nowhere.delivery.requests"))));
}

TEST_F(KafkaBusIntegration, PublishingToAMissingTopicFailsNamingIt) {
  KafkaSettings missing = settings("missing", 1);  // ensure_topics() is never called
  missing.extra_properties = {{"message.timeout.ms", "3000"}};
  KafkaBus bus(missing);
  auto publisher = bus.publisher();
  publisher->publish(ports::Topic::DeliveryResults, "1", "x");
  EXPECT_THAT([&] { publisher->flush(20s); },
              ::testing::ThrowsMessage<ports::BusError>(HasSubstr("topic " + missing.results_topic)));
}

TEST_F(KafkaBusIntegration, Moves200000RecordsEachWayAndReportsTheRate) {
  KafkaBus bus(settings("throughput", 12));
  bus.ensure_topics();
  constexpr std::size_t count = 200'000;
  // The shape of a real delivery request: identifiers only, about 150 bytes.
  const auto payload_of = [](std::size_t index) {
    return "{\"schema\":1,\"month\":\"2026-10\",\"user_id\":" + std::to_string(index) +
           ",\"round\":0,\"channel\":\"EMAIL\",\"attempt_id\":\"2026-10:" + std::to_string(index) +
           ":0\",\"policy_version\":3}";
  };

  auto publisher = bus.publisher();
  const auto publish_started = Clock::now();
  for (std::size_t index = 0; index < count; ++index) {
    publisher->publish(ports::Topic::DeliveryRequests, std::to_string(index), payload_of(index));
  }
  publisher->flush(120s);
  const auto publish_elapsed = Clock::now() - publish_started;

  auto consumer = bus.consumer(unique_name("throughput-group"));
  std::vector<bool> seen(count, false);
  std::size_t received = 0;
  const auto consume_started = Clock::now();
  Clock::time_point first_record{};
  const auto deadline = consume_started + 120s;
  while (received < count && Clock::now() < deadline) {
    for (const auto& record : consumer->poll(1000, 500ms)) {
      if (first_record == Clock::time_point{}) first_record = Clock::now();
      const std::size_t index = std::stoul(record.key);
      ASSERT_LT(index, count);
      ASSERT_EQ(record.payload, payload_of(index));
      if (!seen[index]) ++received;
      seen[index] = true;
      consumer->acknowledge(record);
    }
  }
  consumer->commit();
  const auto consume_finished = Clock::now();
  ASSERT_EQ(received, count);

  const double publish_rate = per_second(count, publish_elapsed);
  const double consume_rate = per_second(count, consume_finished - first_record);
  const auto join = std::chrono::duration_cast<std::chrono::milliseconds>(first_record - consume_started);
  std::cout << "kafka throughput: published " << count << " records in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(publish_elapsed).count() << " ms ("
            << static_cast<long>(publish_rate) << "/s, flush included); consumed and acknowledged in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(consume_finished - first_record).count()
            << " ms (" << static_cast<long>(consume_rate) << "/s) after " << join.count() << " ms joining the group\n";
  RecordProperty("publish_per_second", std::to_string(static_cast<long>(publish_rate)));
  RecordProperty("consume_per_second", std::to_string(static_cast<long>(consume_rate)));
  // The whole delivery pipeline must reach 20,000 records/s; the bus is only one part of it.
  EXPECT_GE(publish_rate, 20'000);
  EXPECT_GE(consume_rate, 20'000);
}

}  // namespace
}  // namespace tr1l::adapters::kafka
