#include "delivery/delivery_service.h"

#include <gtest/gtest.h>

#include "adapters/inproc/in_process_bus.h"
#include "adapters/sqlite/sqlite_handle.h"
#include "common/gzip.h"
#include "common/manual_clock.h"
#include "common/worker_identity.h"
#include "delivery/delivery_test_support.h"
#include "dispatch/delivery_messages.h"
#include "dispatch/dispatcher.h"

namespace tr1l::delivery {
namespace {

using namespace std::chrono_literals;
using testing::DeliveryWorld;
using testing::kOctober;
using testing::local;
using testing::RecordingSender;
using testing::target;

DeliveryOptions with_retry_delay(std::chrono::seconds delay) {
  DeliveryOptions options;
  options.retry_delay = delay;
  return options;
}

DeliveryOptions with_concurrency(int concurrency, std::size_t batch_size) {
  DeliveryOptions options;
  options.concurrency = concurrency;
  options.batch_size = batch_size;
  return options;
}

// A bus whose consumers join their group `join_after` after they are made, or never: like Kafka's
// while a broker that has just started sets up its group coordinator. Until then they receive
// nothing.
class LateJoiningBus final : public ports::MessageBus {
 public:
  LateJoiningBus(ports::MessageBus& inner, std::optional<std::chrono::milliseconds> join_after)
      : inner_(inner), join_after_(join_after) {}
  std::string_view backend() const override { return "late-joining"; }
  void ensure_topics() override {}
  std::unique_ptr<ports::BusPublisher> publisher() override { return inner_.publisher(); }
  std::unique_ptr<ports::BusConsumer> consumer(const std::string& group) override {
    return std::make_unique<Consumer>(inner_.consumer(group), join_after_);
  }
  bool shared_between_processes() const override { return true; }

 private:
  class Consumer final : public ports::BusConsumer {
   public:
    Consumer(std::unique_ptr<ports::BusConsumer> inner, std::optional<std::chrono::milliseconds> join_after)
        : inner_(std::move(inner)) {
      if (join_after) joins_at_ = std::chrono::steady_clock::now() + *join_after;
    }
    std::vector<ports::ReceivedRecord> poll(std::size_t max_records, std::chrono::milliseconds timeout) override {
      if (joined()) return inner_->poll(max_records, timeout);
      std::this_thread::sleep_for(timeout);
      return {};
    }
    void acknowledge(const ports::ReceivedRecord& record) override { inner_->acknowledge(record); }
    void commit() override { inner_->commit(); }
    bool joined() override { return joins_at_ && std::chrono::steady_clock::now() >= *joins_at_; }

   private:
    std::unique_ptr<ports::BusConsumer> inner_;
    std::optional<std::chrono::steady_clock::time_point> joins_at_;
  };

  ports::MessageBus& inner_;
  std::optional<std::chrono::milliseconds> join_after_;
};

// Each test runs twice: outcomes recorded by the coordinator itself (SQLite), and by a recorder
// thread with its own connection (PostgreSQL).
class DeliveryServiceTest : public ::testing::TestWithParam<bool> {
 protected:
  DeliveryServiceTest() : world_(GetParam()), clock_(local(11, 1, 12)) {}

  dispatch::DispatchSummary dispatch() {
    auto publisher = bus_.publisher();
    dispatch::Dispatcher dispatcher(world_.database(), publisher.get(), clock_);
    dispatch::DispatchOptions options;
    options.month = kOctober;
    return dispatcher.dispatch_due(options);
  }

  DeliveryCounts deliver(DeliveryOptions options = {}, ports::MessageBus* bus = nullptr) {
    options.until_idle = true;
    options.idle_after = 50ms;
    DeliveryService service({world_.database_factory(), world_.object_store_factory(), bus ? *bus : bus_, world_.cipher(),
                             {{domain::Channel::Email, &email_}, {domain::Channel::Sms, &sms_},
                              {domain::Channel::Kakao, &kakao_}},
                             clock_},
                            options);
    std::atomic<bool> stop{false};
    return service.run(stop);
  }

  std::vector<ports::DeliveryStore::AttemptRecord> attempts_of(ports::UserId user) {
    return world_.database().deliveries().attempts_of(kOctober, user);
  }

  DeliveryWorld world_;
  adapters::InProcessBus bus_;
  ManualClock clock_;
  RecordingSender email_, sms_, kakao_;
};

TEST_P(DeliveryServiceTest, SendsTheDecryptedDestinationAndTheVerifiedDocument) {
  world_.add_targets({target(7), target(8).no_email()});
  EXPECT_EQ(dispatch().published, 2);
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(counts.failed, 0);
  const auto email_messages = email_.messages();
  ASSERT_EQ(email_messages.size(), 1u);
  const ports::OutgoingMessage& email = email_messages[0];
  EXPECT_EQ(email.destination, testing::email_of(7));
  EXPECT_EQ(email.masked_destination, "cu***@example.com");
  EXPECT_EQ(common::gunzip(email.body), testing::html_of(7));  // as stored: the sender decompresses
  EXPECT_EQ(email.subject, "[TR1L] 2026년 10월 통신요금 청구서");
  EXPECT_EQ(email.attempt_id, "2026-10/7/0");
  ASSERT_EQ(sms_.messages().size(), 1u);
  EXPECT_EQ(sms_.messages()[0].destination, testing::phone_of(8));
  EXPECT_EQ(sms_.messages()[0].body, testing::sms_of(8));
  EXPECT_EQ(sms_.messages()[0].round, 1);
  EXPECT_EQ(world_.status_of(7), "SENT");
  EXPECT_EQ(world_.status_of(8), "SENT");
  EXPECT_EQ(bus_.results_published(), 2);
}

TEST_P(DeliveryServiceTest, AFailedRoundMovesToTheNextChannelAfterTheRetryDelay) {
  world_.add_targets({target(1)});
  email_.failing = {1};
  dispatch();
  DeliveryCounts counts = deliver(with_retry_delay(600s));
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(world_.status_of(1), "RETRY");
  EXPECT_EQ(dispatch().published, 0);  // not before the retry delay
  clock_.set(local(11, 1, 12) + 600s);
  EXPECT_EQ(dispatch().published, 1);
  counts = deliver();
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(world_.status_of(1), "SENT");
  ASSERT_EQ(sms_.messages().size(), 1u);
  EXPECT_EQ(sms_.messages()[0].round, 1);
  auto attempts = attempts_of(1);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].status, "FAILED");
  EXPECT_EQ(attempts[0].error, "EMAIL round 0: refused by test");
  EXPECT_EQ(attempts[1].status, "SENT");
  EXPECT_EQ(attempts[1].channel, domain::Channel::Sms);
}

TEST_P(DeliveryServiceTest, EveryChannelFailingExhaustsTheTarget) {
  world_.add_targets({target(1)});
  email_.failing = sms_.failing = kakao_.failing = {1};
  for (int round = 0; round < 3; ++round) {
    clock_.set(local(11, 1, 12) + std::chrono::hours{round});
    EXPECT_EQ(dispatch().published, 1) << round;
    deliver(with_retry_delay(60s));
  }
  EXPECT_EQ(world_.status_of(1), "EXHAUSTED");
  clock_.set(local(11, 2, 12));
  EXPECT_EQ(dispatch().published, 0);
  auto attempts = attempts_of(1);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[2].channel, domain::Channel::Kakao);
  EXPECT_EQ(attempts[2].status, "FAILED");
}

TEST_P(DeliveryServiceTest, ARedeliveredRequestIsNeverSentTwice) {
  world_.add_targets({target(1), target(2)});
  dispatch();
  // The same request again, as Kafka redelivers after a crash before the commit.
  ports::DeliveryRequest again{kOctober, 1, 0, domain::Channel::Email, 1};
  bus_.publisher()->publish(ports::Topic::DeliveryRequests, "1", dispatch::encode_request(again));
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.sent, 2);
  // At least the copy above; the start-up republish of the in-process bus adds more copies.
  EXPECT_GE(counts.duplicates, 1);
  EXPECT_EQ(email_.messages().size(), 2u);
  bus_.publisher()->publish(ports::Topic::DeliveryRequests, "1", dispatch::encode_request(again));
  counts = deliver();
  EXPECT_EQ(counts.sent, 0);
  EXPECT_EQ(counts.duplicates, 1);
  EXPECT_EQ(email_.messages().size(), 2u);
}

TEST_P(DeliveryServiceTest, PoisonRecordsGoToTheDeadLetterTopicWhileTheRestFlows) {
  world_.add_targets({target(1)});
  auto publisher = bus_.publisher();
  publisher->publish(ports::Topic::DeliveryRequests, "9", "this is not json");
  publisher->publish(ports::Topic::DeliveryRequests, "9",
                     R"({"schema_version":2,"attempt_id":"2026-10/9/0","month":"2026-10","user_id":9,"round":0,"channel":"EMAIL","policy_version":1})");
  // Well formed, but no such attempt was ever claimed.
  publisher->publish(ports::Topic::DeliveryRequests, "9",
                     dispatch::encode_request({kOctober, 9, 0, domain::Channel::Email, 1}));
  dispatch();
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.dead_lettered, 3);
  auto letters = bus_.dead_letters();
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_NE(letters[0].payload.find("not a JSON object"), std::string::npos);
  EXPECT_NE(letters[1].payload.find("schema_version 2 is not supported"), std::string::npos);
  EXPECT_NE(letters[2].payload.find("no attempt 2026-10/9/0 on channel EMAIL"), std::string::npos);
}

TEST_P(DeliveryServiceTest, ATamperedDocumentIsNotSentAndTheTargetMovesOn) {
  world_.add_targets({target(1)});
  std::filesystem::path object = world_.invoice_root() / invoicing::email_object_key(kOctober, 1);
  std::filesystem::resize_file(object, std::filesystem::file_size(object) - 1);
  dispatch();
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.failed, 1);
  EXPECT_TRUE(email_.messages().empty());
  EXPECT_EQ(world_.status_of(1), "RETRY");
  auto attempts = attempts_of(1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_NE(attempts[0].error.find(invoicing::email_object_key(kOctober, 1)), std::string::npos) << attempts[0].error;
}

TEST_P(DeliveryServiceTest, AnAttemptLeftSendingByADeadProcessIsJudgedUnknownAndNeverResentOnItsChannel) {
  world_.add_targets({target(1), target(2).no_email()});
  dispatch();
  bus_.consumer("drain")->poll(100, 0ms);  // the killed consumer had taken them
  // A worker id of this host with a pid that cannot exist.
  std::string dead_owner = make_worker_id();
  dead_owner = dead_owner.substr(0, dead_owner.find(':')) + ":999999999:deadbeef";
  std::vector<ports::DeliveryRequest> requests{{kOctober, 1, 0, domain::Channel::Email, 1},
                                               {kOctober, 2, 1, domain::Channel::Sms, 1}};
  auto claims = world_.database().deliveries().claim_attempts(requests, dead_owner, ports::unix_seconds(clock_.now()));
  ASSERT_EQ(claims[0].result, ports::AttemptClaimResult::Claimed);
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.unknown, 2);
  EXPECT_EQ(world_.status_of(1), "RETRY");
  EXPECT_EQ(world_.status_of(2), "RETRY");
  auto attempts = attempts_of(1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "UNKNOWN");
  EXPECT_NE(attempts[0].error.find("not resent on this channel"), std::string::npos);
  clock_.set(clock_.now() + 3600s);
  dispatch();
  deliver();
  EXPECT_TRUE(email_.messages().empty());
  ASSERT_EQ(sms_.messages().size(), 1u);
  EXPECT_EQ(sms_.messages()[0].user_id, 1);
  ASSERT_EQ(kakao_.messages().size(), 1u);  // user 2 was stuck on SMS: KakaoTalk next
  EXPECT_EQ(kakao_.messages()[0].user_id, 2);
}

TEST_P(DeliveryServiceTest, AnAttemptSilentLongerThanStuckAfterIsJudgedUnknownButARecentOneIsLeftAlone) {
  world_.add_targets({target(1), target(2)});
  dispatch();
  bus_.consumer("drain")->poll(100, 0ms);
  // Owners on another host: only time can tell that they are gone.
  std::vector<ports::DeliveryRequest> old_request{{kOctober, 1, 0, domain::Channel::Email, 1}};
  std::vector<ports::DeliveryRequest> recent_request{{kOctober, 2, 0, domain::Channel::Email, 1}};
  const std::int64_t now = ports::unix_seconds(clock_.now());
  world_.database().deliveries().claim_attempts(old_request, "elsewhere:4242:aaaa", now - 1000);
  world_.database().deliveries().claim_attempts(recent_request, "elsewhere:4243:bbbb", now - 10);
  DeliveryOptions options;
  options.stuck_after = 900s;
  DeliveryCounts counts = deliver(options);
  EXPECT_EQ(counts.unknown, 1);
  EXPECT_EQ(world_.status_of(1), "RETRY");
  EXPECT_EQ(world_.status_of(2), "QUEUED");  // still someone else's send in progress
  auto attempts = attempts_of(1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "UNKNOWN");
  EXPECT_NE(attempts[0].error.find("no outcome after 900 s"), std::string::npos) << attempts[0].error;
  EXPECT_TRUE(email_.messages().empty());
}

TEST_P(DeliveryServiceTest, ASlowChannelBoundsTheSendsInFlight) {
  std::vector<testing::TargetSpec> specs;
  for (ports::UserId user = 1; user <= 40; ++user) specs.push_back(target(user));
  world_.add_targets(specs);
  email_.delay = 5ms;
  dispatch();
  DeliveryCounts counts = deliver(with_concurrency(3, 4));
  EXPECT_EQ(counts.sent, 40);
  EXPECT_LE(email_.maximum_in_flight(), 3);
  EXPECT_GE(email_.maximum_in_flight(), 2);
}

// Many small batches: on the recorder thread, outcomes of one batch are recorded while the next
// is claimed and sent. Every round is sent and counted once, and nothing is left in flight.
TEST_P(DeliveryServiceTest, ManySmallBatchesAreEachSentRecordedAndCountedOnce) {
  std::vector<testing::TargetSpec> specs;
  for (ports::UserId user = 1; user <= 300; ++user) specs.push_back(user % 10 == 0 ? target(user).no_email() : target(user));
  world_.add_targets(specs);
  email_.failing = {3, 33};
  EXPECT_EQ(dispatch().published, 300);
  DeliveryCounts counts = deliver(with_concurrency(4, 7));
  EXPECT_EQ(counts.sent, 298);  // users 3 and 33 wait for their SMS round
  EXPECT_EQ(counts.failed, 2);
  EXPECT_EQ(counts.sent_by_channel[domain::Channel::Email], 268);
  EXPECT_EQ(counts.sent_by_channel[domain::Channel::Sms], 30);
  EXPECT_EQ(bus_.results_published(), 300);
  std::set<ports::UserId> emailed;
  for (const ports::OutgoingMessage& message : email_.messages()) EXPECT_TRUE(emailed.insert(message.user_id).second);
  EXPECT_EQ(emailed.size(), 268u);
  EXPECT_EQ(world_.status_of(3), "RETRY");
  EXPECT_EQ(world_.status_of(299), "SENT");
  EXPECT_EQ(world_.status_of(300), "SENT");
}

// A database that refuses the outcomes stops delivery with its error, from the recorder thread
// as from the coordinator. The sends stay SENDING for the sweeper, and nothing is acknowledged.
TEST_P(DeliveryServiceTest, AnOutcomeTheDatabaseRefusesStopsDeliveryAndLeavesTheAttemptsSending) {
  world_.add_targets({target(1), target(2)});
  dispatch();
  adapters::sqlite::Connection(world_.database_path())
      .execute("CREATE TRIGGER refuse_outcomes BEFORE UPDATE OF status ON delivery_attempt "
               "WHEN NEW.status = 'SENT' BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");
  try {
    deliver();
    ADD_FAILURE() << "delivery went on although its outcomes could not be recorded";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("disk full (test)"), std::string::npos) << error.what();
  }
  EXPECT_EQ(email_.messages().size(), 2u);
  EXPECT_EQ(bus_.results_published(), 0);
  for (ports::UserId user : {1, 2}) {
    const auto attempts = attempts_of(user);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].status, "SENDING");
    EXPECT_EQ(world_.status_of(user), "QUEUED");
  }
}

TEST_P(DeliveryServiceTest, OnTheInProcessBusWaitingClaimsAreRepublishedAtStart) {
  world_.add_targets({target(1), target(2)});
  dispatch::Dispatcher dispatcher(world_.database(), nullptr, clock_);  // `tr1l dispatch` in another process
  dispatch::DispatchOptions options;
  options.month = kOctober;
  dispatcher.dispatch_due(options);
  DeliveryCounts counts = deliver();
  EXPECT_EQ(counts.republished, 2);
  EXPECT_EQ(counts.sent, 2);
}

// Before a consumer has joined its group, an empty poll is not idleness: counted as such, the
// attempts would be republished (or, with nothing dispatched yet, delivery would stop) while the
// group is still forming.
TEST_P(DeliveryServiceTest, UntilIdleCountsIdleTimeFromJoiningTheGroup) {
  world_.add_targets({target(7), target(8)});
  EXPECT_EQ(dispatch().published, 2);
  LateJoiningBus late(bus_, 300ms);  // six times the idle time
  DeliveryCounts counts = deliver({}, &late);
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(counts.republished, 0);
}

TEST_P(DeliveryServiceTest, UntilIdleStopsEvenIfTheGroupIsNeverJoined) {
  LateJoiningBus never(bus_, std::nullopt);
  DeliveryOptions options;
  options.join_timeout = 200ms;
  const auto started = std::chrono::steady_clock::now();
  DeliveryCounts counts = deliver(options, &never);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);  // join timeout, then idle time
  EXPECT_EQ(counts.sent, 0);
}

INSTANTIATE_TEST_SUITE_P(Recording, DeliveryServiceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "OnARecorderThread" : "OnTheCoordinator";
                         });

}  // namespace
}  // namespace tr1l::delivery
