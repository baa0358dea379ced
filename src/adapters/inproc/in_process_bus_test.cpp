#include "adapters/inproc/in_process_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace tr1l::adapters {
namespace {

using namespace std::chrono_literals;

TEST(InProcessBus, RequestsArriveInOrderWithKeyAndPayload) {
  InProcessBus bus;
  auto publisher = bus.publisher();
  auto consumer = bus.consumer("group");
  publisher->publish(ports::Topic::DeliveryRequests, "7", "first");
  publisher->publish(ports::Topic::DeliveryRequests, "8", "second");
  auto records = consumer->poll(10, 0ms);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "7");
  EXPECT_EQ(records[0].payload, "first");
  EXPECT_EQ(records[1].payload, "second");
  EXPECT_LT(records[0].offset, records[1].offset);
  EXPECT_TRUE(consumer->poll(10, 0ms).empty());
}

TEST(InProcessBus, PollHonoursMaxRecordsAndTimeout) {
  InProcessBus bus;
  auto publisher = bus.publisher();
  for (int index = 0; index < 5; ++index) publisher->publish(ports::Topic::DeliveryRequests, "k", "p");
  auto consumer = bus.consumer("group");
  EXPECT_EQ(consumer->poll(3, 0ms).size(), 3u);
  EXPECT_EQ(consumer->poll(3, 0ms).size(), 2u);
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(consumer->poll(3, 50ms).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - started, 45ms);
}

TEST(InProcessBus, OtherTopicsDoNotReachDeliveryConsumers) {
  InProcessBus bus;
  auto publisher = bus.publisher();
  publisher->publish(ports::Topic::DeadLetters, "1", "bad record: reason");
  publisher->publish(ports::Topic::DeliveryResults, "1", "{}");
  EXPECT_TRUE(bus.consumer("group")->poll(10, 0ms).empty());
  ASSERT_EQ(bus.dead_letters().size(), 1u);
  EXPECT_EQ(bus.dead_letters()[0].payload, "bad record: reason");
  EXPECT_EQ(bus.results_published(), 1);
}

TEST(InProcessBus, FullQueueBlocksThePublisherUntilConsumed) {
  InProcessBus bus(4);
  std::atomic<int> published{0};
  std::thread producer([&] {
    auto publisher = bus.publisher();
    for (int index = 0; index < 100; ++index) {
      publisher->publish(ports::Topic::DeliveryRequests, std::to_string(index), "p");
      ++published;
    }
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(published.load(), 4);  // held back by the capacity
  EXPECT_LE(bus.requests_waiting(), 4u);
  auto consumer = bus.consumer("group");
  std::set<std::string> keys;
  while (keys.size() < 100) {
    for (auto& record : consumer->poll(3, 100ms)) keys.insert(record.key);
  }
  producer.join();
  EXPECT_EQ(keys.size(), 100u);
}

TEST(InProcessBus, CompetingConsumersShareTheWork) {
  InProcessBus bus;
  auto publisher = bus.publisher();
  for (int index = 0; index < 1000; ++index) publisher->publish(ports::Topic::DeliveryRequests, std::to_string(index), "p");
  auto first = bus.consumer("group");
  auto second = bus.consumer("group");
  std::set<std::string> keys;
  std::size_t total = 0;
  for (auto* consumer : {first.get(), second.get(), first.get(), second.get()}) {
    for (auto& record : consumer->poll(300, 0ms)) {
      keys.insert(record.key);
      ++total;
    }
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(keys.size(), 1000u);
}

}  // namespace
}  // namespace tr1l::adapters
