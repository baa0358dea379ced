#include "dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include "adapters/inproc/in_process_bus.h"
#include "common/manual_clock.h"
#include "delivery/delivery_test_support.h"
#include "dispatch/delivery_messages.h"

namespace tr1l::dispatch {
namespace {

using delivery::testing::DeliveryWorld;
using delivery::testing::kOctober;
using delivery::testing::local;
using delivery::testing::target;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatchSummary dispatch_at(std::chrono::sys_seconds now, std::optional<domain::QuietHours> system_quiet = std::nullopt) {
    ManualClock clock(now);
    auto publisher = bus_.publisher();
    Dispatcher dispatcher(world_.database(), publisher.get(), clock);
    DispatchOptions options;
    options.month = kOctober;
    options.system_quiet_window = system_quiet;
    options.batch_size = 3;  // several batches per dispatch
    return dispatcher.dispatch_due(options);
  }
  std::vector<ports::DeliveryRequest> published() {
    std::vector<ports::DeliveryRequest> requests;
    for (auto& record : bus_.consumer("test")->poll(100000, std::chrono::milliseconds{0})) {
      auto decoded = decode_request(record);
      EXPECT_TRUE(std::holds_alternative<ports::DeliveryRequest>(decoded)) << record.payload;
      if (auto* request = std::get_if<ports::DeliveryRequest>(&decoded)) requests.push_back(*request);
    }
    return requests;
  }
  std::set<ports::UserId> users_of(const std::vector<ports::DeliveryRequest>& requests) {
    std::set<ports::UserId> users;
    for (const auto& request : requests) users.insert(request.user_id);
    return users;
  }

  DeliveryWorld world_;
  adapters::InProcessBus bus_;
};

TEST_F(DispatcherTest, NothingIsDueBeforeTheMonthAfter) {
  world_.add_targets({target(1)});
  auto summary = dispatch_at(local(10, 31, 23));
  EXPECT_EQ(summary.send_day_limit, 0);
  EXPECT_EQ(summary.published, 0);
  EXPECT_TRUE(published().empty());
  EXPECT_EQ(world_.status_of(1), "READY");
}

TEST_F(DispatcherTest, SendDaysWithMonthEndClampingAndCatchUp) {
  world_.add_targets({target(1),                   // no day: the 1st
                      target(2).day(5),
                      target(3).day(6),
                      target(4).day(30),
                      target(5).day(31)});  // November has 30 days
  EXPECT_EQ(dispatch_at(local(11, 5, 10)).published, 2);
  EXPECT_EQ(users_of(published()), (std::set<ports::UserId>{1, 2}));
  EXPECT_EQ(dispatch_at(local(11, 29, 10)).published, 1);
  EXPECT_EQ(users_of(published()), (std::set<ports::UserId>{3}));  // day 6 caught up, never lost
  EXPECT_EQ(dispatch_at(local(11, 30, 10)).published, 2);
  EXPECT_EQ(users_of(published()), (std::set<ports::UserId>{4, 5}));
  EXPECT_EQ(dispatch_at(local(11, 30, 11)).published, 0);  // claimed targets are not claimed again
  for (ports::UserId user = 1; user <= 5; ++user) EXPECT_EQ(world_.status_of(user), "QUEUED");
}

TEST_F(DispatcherTest, QuietHoursDeferIncludingAcrossMidnight) {
  world_.add_targets({target(1).quiet(22, 7),
                      target(2).quiet(9, 18),
                      target(3)});
  EXPECT_EQ(users_of((dispatch_at(local(11, 1, 23)), published())), (std::set<ports::UserId>{2, 3}));
  EXPECT_EQ(users_of((dispatch_at(local(11, 2, 6)), published())), (std::set<ports::UserId>{}));
  EXPECT_EQ(users_of((dispatch_at(local(11, 2, 7)), published())), (std::set<ports::UserId>{1}));
}

TEST_F(DispatcherTest, SystemQuietWindowHoldsEverything) {
  world_.add_targets({target(1), target(2)});
  auto summary = dispatch_at(local(11, 1, 22), domain::QuietHours{21, 8});
  EXPECT_TRUE(summary.system_quiet);
  EXPECT_TRUE(published().empty());
  summary = dispatch_at(local(11, 1, 8), domain::QuietHours{21, 8});
  EXPECT_FALSE(summary.system_quiet);
  EXPECT_EQ(summary.published, 2);
}

TEST_F(DispatcherTest, FirstRoundIsTheFirstReachableChannel) {
  world_.add_targets({target(1),
                      target(2).no_email(),
                      target(3).no_phone(),
                      target(4).no_email().no_phone()});
  auto summary = dispatch_at(local(11, 1, 12));
  EXPECT_EQ(summary.published, 3);
  EXPECT_EQ(summary.exhausted, 1);
  EXPECT_EQ(summary.active_policy_version, 1);
  std::map<ports::UserId, ports::DeliveryRequest> by_user;
  for (const auto& request : published()) by_user[request.user_id] = request;
  EXPECT_EQ(by_user.at(1).channel, domain::Channel::Email);
  EXPECT_EQ(by_user.at(1).round, 0);
  EXPECT_EQ(by_user.at(2).channel, domain::Channel::Sms);
  EXPECT_EQ(by_user.at(2).round, 1);
  EXPECT_EQ(by_user.at(3).channel, domain::Channel::Email);
  EXPECT_EQ(world_.status_of(4), "EXHAUSTED");
  EXPECT_EQ(by_user.at(1).policy_version, 1);
}

TEST_F(DispatcherTest, RecordsCarryIdentifiersOnlyKeyedByUser) {
  world_.add_targets({target(42)});
  dispatch_at(local(11, 1, 12));
  auto records = bus_.consumer("test")->poll(10, std::chrono::milliseconds{0});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "42");
  EXPECT_EQ(records[0].payload,
            R"({"schema_version":1,"attempt_id":"2026-10/42/0","month":"2026-10","user_id":42,"round":0,)"
            R"("channel":"EMAIL","policy_version":1})");
  EXPECT_EQ(records[0].payload.find('@'), std::string::npos);
}

TEST_F(DispatcherTest, ActivePolicyOrderDecidesTheFirstChannel) {
  auto sms_first = world_.database().policies().create_policy({domain::Channel::Sms, domain::Channel::Email});
  world_.database().policies().activate_policy(sms_first.version);
  world_.add_targets({target(1), target(2).no_phone()});
  dispatch_at(local(11, 1, 12));
  std::map<ports::UserId, ports::DeliveryRequest> by_user;
  for (const auto& request : published()) by_user[request.user_id] = request;
  EXPECT_EQ(by_user.at(1).channel, domain::Channel::Sms);
  EXPECT_EQ(by_user.at(1).policy_version, sms_first.version);
  EXPECT_EQ(by_user.at(2).channel, domain::Channel::Email);
  EXPECT_EQ(by_user.at(2).round, 1);
}

TEST_F(DispatcherTest, WithoutAPublisherTheClaimsWaitInTheDatabase) {
  world_.add_targets({target(1), target(2)});
  ManualClock clock(local(11, 1, 12));
  Dispatcher dispatcher(world_.database(), nullptr, clock);
  DispatchOptions options;
  options.month = kOctober;
  EXPECT_EQ(dispatcher.dispatch_due(options).published, 2);
  auto waiting = world_.database().deliveries().waiting_attempts(ports::unix_seconds(local(11, 1, 12)), 10);
  EXPECT_EQ(users_of(waiting), (std::set<ports::UserId>{1, 2}));
}

}  // namespace
}  // namespace tr1l::dispatch
