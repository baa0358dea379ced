#include "delivery/delivery_service.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/progress.h"
#include "common/worker_identity.h"
#include "dispatch/delivery_messages.h"
#include "domain/masking.h"
#include "ports/delivery_store.h"

namespace tr1l::delivery {
namespace {

struct Job {
  ports::ReceivedRecord record;
  ports::DeliveryRequest request;
  ports::DispatchTarget target;
};

struct FinishedJob {
  Job job;
  ports::SendResult result;
};

// Finished sends and their outcomes (one each, in the same order), ready to be recorded.
struct OutcomeBatch {
  std::vector<FinishedJob> finished;
  std::vector<ports::AttemptOutcome> outcomes;
};

domain::Reachability reach_of(const ports::DispatchTarget& target) {
  return {.email = target.email_ciphertext.has_value() && target.email_object.has_value(),
          .phone = target.phone_ciphertext.has_value() && target.sms_object.has_value()};
}

}  // namespace

std::string invoice_subject(const domain::YearMonth& month) {
  return fmt::format("[TR1L] {}년 {}월 통신요금 청구서", month.year, month.month);
}

class DeliveryService::Engine {
 public:
  Engine(DeliveryDependencies dependencies, DeliveryOptions options)
      : dependencies_(std::move(dependencies)), options_(std::move(options)), owner_(make_worker_id()) {
    if (options_.concurrency < 1) options_.concurrency = 1;
    if (options_.batch_size < 1) options_.batch_size = 1;
  }

  DeliveryCounts run(const std::atomic<bool>& stop, Progress* progress);
  std::int64_t recorded() const { return recorded_.load(); }
  bool started() const { return started_.load(); }

 private:
  // Sender side.
  void sender_loop();
  ports::SendResult prepare_and_send(const Job& job, ports::ObjectStore& store);

  // Recorder side: records a batch, publishes its results, acknowledges its records.
  void recorder_loop();
  void record(ports::Database& database, const OutcomeBatch& batch);

  // Coordinator side.
  void handle_records(std::vector<ports::ReceivedRecord> records);
  OutcomeBatch outcomes_of(std::vector<FinishedJob> finished);
  void record_finished(std::vector<FinishedJob> finished);
  template <typename Update>
  void tally(Update update) {
    std::lock_guard lock(counts_mutex_);
    update(counts_);
  }
  std::int64_t republished() {
    std::lock_guard lock(counts_mutex_);
    return counts_.republished;
  }
  void sweep(bool first, bool republish_all_waiting = false);
  ports::AttemptOutcome moved_on(const ports::DeliveryRequest& request, const domain::Reachability& reach,
                                 std::string attempt_status, std::string error);
  const domain::DispatchPolicy& policy(int version);
  void dead_letter(const ports::ReceivedRecord& record, const std::string& reason);
  std::int64_t now() const { return ports::unix_seconds(dependencies_.clock.now()); }

  DeliveryDependencies dependencies_;
  DeliveryOptions options_;
  const std::string owner_;

  std::unique_ptr<ports::Database> database_;
  std::unique_ptr<ports::BusPublisher> publisher_;
  std::unique_ptr<ports::BusConsumer> consumer_;
  std::map<int, domain::DispatchPolicy> policies_;
  Progress* progress_ = nullptr;
  std::mutex counts_mutex_;
  DeliveryCounts counts_;
  std::atomic<std::int64_t> recorded_{0};
  std::atomic<bool> started_{false};
  // Claimed and not yet recorded. Raised by the coordinator; lowered, together with
  // recording_ when the recorder thread does it, under mutex_.
  std::atomic<std::size_t> in_flight_{0};
  bool dead_letters_pending_ = false;
  std::vector<ports::ReceivedRecord> acknowledgements_after_flush_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::deque<Job> jobs_;
  std::vector<FinishedJob> finished_;
  bool closing_ = false;

  // With a database whose writers run in parallel, outcomes are recorded by a thread of their
  // own, on its own connection, while the coordinator claims the next requests.
  // Taking turns, a batch of 1,000 costs ~24 ms to claim and ~35 ms to record on PostgreSQL,
  // which would hold one process below ~17,000 deliveries/s however many cores the database has.
  // Otherwise the coordinator records them itself. All under mutex_.
  std::unique_ptr<ports::Database> recorder_database_;
  std::condition_variable record_ready_;
  std::deque<OutcomeBatch> to_record_;
  std::size_t recording_ = 0;  // jobs handed to the recorder thread and not yet recorded
  std::exception_ptr recorder_error_;
  bool recorder_closing_ = false;
};

DeliveryService::DeliveryService(DeliveryDependencies dependencies, DeliveryOptions options)
    : engine_(std::make_unique<Engine>(std::move(dependencies), std::move(options))) {}

DeliveryService::~DeliveryService() = default;

DeliveryCounts DeliveryService::run(const std::atomic<bool>& stop, Progress* progress) { return engine_->run(stop, progress); }

std::int64_t DeliveryService::outcomes_recorded() const { return engine_->recorded(); }

bool DeliveryService::started() const { return engine_->started(); }

void DeliveryService::Engine::sender_loop() {
  std::unique_ptr<ports::ObjectStore> store = dependencies_.open_object_store();
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    ports::SendResult result = prepare_and_send(job, *store);
    {
      std::lock_guard lock(mutex_);
      finished_.push_back({std::move(job), std::move(result)});
    }
    work_done_.notify_one();
  }
}

ports::SendResult DeliveryService::Engine::prepare_and_send(const Job& job, ports::ObjectStore& store) {
  const ports::DeliveryRequest& request = job.request;
  const ports::DispatchTarget& target = job.target;
  const bool email = request.channel == domain::Channel::Email;
  try {
    const auto& ciphertext = email ? target.email_ciphertext : target.phone_ciphertext;
    const auto& object = email ? target.email_object : target.sms_object;
    if (!ciphertext || !object) return {false, "the target has no destination or document for this channel"};
    auto sender = dependencies_.senders.find(request.channel);
    if (sender == dependencies_.senders.end() || sender->second == nullptr) {
      return {false, "no sender configured for " + std::string(domain::to_string(request.channel))};
    }
    const std::string row = invoicing::target_row_key(request.month, request.user_id);
    ports::OutgoingMessage message;
    message.channel = request.channel;
    message.month = request.month.to_string();
    message.user_id = request.user_id;
    message.round = request.round;
    message.attempt_id = request.attempt_id();
    message.destination =
        dependencies_.cipher.decrypt(*ciphertext, {"dispatch_target", email ? "email" : "phone", row});
    message.masked_destination = email ? domain::mask_email(message.destination) : domain::mask_phone(message.destination);
    // The document goes to the sender as stored: the e-mail invoice stays compressed until a sender
    // that puts it on the wire needs the HTML.
    message.body = invoicing::fetch_verified(store, *object);
    if (email) message.subject = invoice_subject(request.month);
    return sender->second->send(message);
  } catch (const std::exception& error) {
    // Decryption and object errors name the row or key, never a destination.
    return {false, error.what()};
  }
}

const domain::DispatchPolicy& DeliveryService::Engine::policy(int version) {
  auto found = policies_.find(version);
  if (found != policies_.end()) return found->second;
  auto stored = database_->policies().find_policy(version);
  if (!stored) throw std::runtime_error("dispatch policy version " + std::to_string(version) + " does not exist");
  return policies_.emplace(version, *stored).first->second;
}

ports::AttemptOutcome DeliveryService::Engine::moved_on(const ports::DeliveryRequest& request,
                                                        const domain::Reachability& reach, std::string attempt_status,
                                                        std::string error) {
  ports::AttemptOutcome outcome;
  outcome.request = request;
  outcome.attempt_status = std::move(attempt_status);
  outcome.error = fmt::format("{} round {}: {}", domain::to_string(request.channel), request.round, error);
  outcome.finished_at = now();
  // The attempt carries the policy its target started under; the next round follows the same one.
  const domain::DispatchPolicy& chosen = policy(request.policy_version);
  auto next = domain::next_round(chosen.channels, request.round + 1, reach);
  if (next) {
    outcome.target_status = ports::target_status::kRetry;
    outcome.next_round = *next;
    outcome.next_attempt_at = outcome.finished_at + options_.retry_delay.count();
  } else {
    outcome.target_status = ports::target_status::kExhausted;
  }
  return outcome;
}

void DeliveryService::Engine::dead_letter(const ports::ReceivedRecord& record, const std::string& reason) {
  spdlog::warn("dead-lettered record partition {} offset {}: {}", record.partition, record.offset, reason);
  publisher_->publish(ports::Topic::DeadLetters, record.key, dispatch::encode_dead_letter(record, reason));
  tally([](DeliveryCounts& counts) { ++counts.dead_lettered; });
  dead_letters_pending_ = true;
  // The record is acknowledged only once its dead letter is safely on the bus.
  acknowledgements_after_flush_.push_back(record);
}

void DeliveryService::Engine::handle_records(std::vector<ports::ReceivedRecord> records) {
  std::vector<ports::DeliveryRequest> requests;
  std::vector<ports::ReceivedRecord> request_records;
  for (ports::ReceivedRecord& record : records) {
    auto decoded = dispatch::decode_request(record);
    if (auto* reason = std::get_if<std::string>(&decoded)) {
      dead_letter(record, *reason);
      continue;
    }
    requests.push_back(std::get<ports::DeliveryRequest>(decoded));
    request_records.push_back(std::move(record));
  }
  if (!requests.empty()) {
    std::vector<ports::AttemptClaim> claims = database_->deliveries().claim_attempts(requests, owner_, now());
    std::vector<Job> jobs;
    for (std::size_t index = 0; index < claims.size(); ++index) {
      ports::AttemptClaim& claim = claims[index];
      switch (claim.result) {
        case ports::AttemptClaimResult::Claimed:
          jobs.push_back({std::move(request_records[index]), claim.request, std::move(*claim.target)});
          break;
        case ports::AttemptClaimResult::Duplicate:
          tally([](DeliveryCounts& counts) { ++counts.duplicates; });
          consumer_->acknowledge(request_records[index]);
          break;
        case ports::AttemptClaimResult::Unknown:
          dead_letter(request_records[index], "no attempt " + claim.request.attempt_id() + " on channel " +
                                                  std::string(domain::to_string(claim.request.channel)) +
                                                  " in the database");
          break;
      }
    }
    if (!jobs.empty()) {
      in_flight_ += jobs.size();
      {
        std::lock_guard lock(mutex_);
        for (Job& job : jobs) jobs_.push_back(std::move(job));
      }
      work_ready_.notify_all();
    }
  }
  if (dead_letters_pending_) {
    publisher_->flush(std::chrono::seconds{30});
    for (const auto& record : acknowledgements_after_flush_) consumer_->acknowledge(record);
    acknowledgements_after_flush_.clear();
    dead_letters_pending_ = false;
  }
}

OutcomeBatch DeliveryService::Engine::outcomes_of(std::vector<FinishedJob> finished) {
  OutcomeBatch batch;
  batch.outcomes.reserve(finished.size());
  for (const FinishedJob& done : finished) {
    if (done.result.sent) {
      ports::AttemptOutcome outcome;
      outcome.request = done.job.request;
      outcome.attempt_status = ports::attempt_status::kSent;
      outcome.target_status = ports::target_status::kSent;
      outcome.finished_at = now();
      batch.outcomes.push_back(std::move(outcome));
    } else {
      batch.outcomes.push_back(moved_on(done.job.request, reach_of(done.job.target),
                                        std::string(ports::attempt_status::kFailed), done.result.error));
    }
  }
  batch.finished = std::move(finished);
  return batch;
}

void DeliveryService::Engine::record(ports::Database& database, const OutcomeBatch& batch) {
  database.deliveries().record_outcomes(batch.outcomes, owner_);
  for (std::size_t index = 0; index < batch.finished.size(); ++index) {
    const ports::AttemptOutcome& outcome = batch.outcomes[index];
    publisher_->publish(ports::Topic::DeliveryResults, dispatch::record_key(outcome.request),
                        dispatch::encode_result(outcome));
    consumer_->acknowledge(batch.finished[index].job.record);
  }
  tally([&](DeliveryCounts& counts) {
    for (const ports::AttemptOutcome& outcome : batch.outcomes) {
      if (outcome.attempt_status == ports::attempt_status::kSent) {
        ++counts.sent;
        ++counts.sent_by_channel[outcome.request.channel];
      } else {
        ++counts.failed;
        ++counts.failed_by_channel[outcome.request.channel];
        if (outcome.target_status == ports::target_status::kExhausted) ++counts.exhausted;
      }
    }
    counts.last_outcome_at = std::chrono::system_clock::now();
  });
  const auto count = static_cast<std::int64_t>(batch.finished.size());
  recorded_ += count;
  if (progress_) progress_->advance(count);
}

void DeliveryService::Engine::record_finished(std::vector<FinishedJob> finished) {
  OutcomeBatch batch = outcomes_of(std::move(finished));
  const std::size_t size = batch.finished.size();
  if (!recorder_database_) {
    record(*database_, batch);
    std::lock_guard lock(mutex_);
    in_flight_ -= size;
    return;
  }
  {
    std::lock_guard lock(mutex_);
    recording_ += size;
    to_record_.push_back(std::move(batch));
  }
  record_ready_.notify_one();
}

void DeliveryService::Engine::recorder_loop() {
  while (true) {
    OutcomeBatch batch;
    {
      std::unique_lock lock(mutex_);
      record_ready_.wait(lock, [&] { return recorder_closing_ || !to_record_.empty(); });
      if (to_record_.empty()) return;
      batch = std::move(to_record_.front());
      to_record_.pop_front();
    }
    try {
      record(*recorder_database_, batch);
    } catch (...) {
      // The coordinator rethrows it; these attempts stay SENDING for the sweeper.
      std::lock_guard lock(mutex_);
      recorder_error_ = std::current_exception();
      work_done_.notify_all();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      in_flight_ -= batch.finished.size();
      recording_ -= batch.finished.size();
    }
    work_done_.notify_all();
  }
}

void DeliveryService::Engine::sweep(bool first, bool republish_all_waiting) {
  const std::int64_t current = now();
  // Sends whose outcome nobody will ever record.
  std::vector<ports::SendingAttempt> sending = database_->deliveries().sending_attempts(10'000);
  for (const ports::SendingAttempt& attempt : sending) {
    if (attempt.owner == owner_) continue;
    const bool gone = is_dead_local_owner(attempt.owner);
    const bool silent = attempt.started_at <= current - options_.stuck_after.count();
    if (!gone && !silent) continue;
    std::string why = gone ? "the sending process is gone" : "no outcome after " + std::to_string(options_.stuck_after.count()) + " s";
    ports::AttemptOutcome outcome =
        moved_on(attempt.request, attempt.reach, std::string(ports::attempt_status::kUnknown),
                 "outcome unknown (" + why + "); not resent on this channel");
    std::vector<ports::AttemptOutcome> one{outcome};
    if (database_->deliveries().record_outcomes(one, attempt.owner) == 1) {
      tally([&](DeliveryCounts& counts) {
        ++counts.unknown;
        if (outcome.target_status == ports::target_status::kExhausted) ++counts.exhausted;
      });
      spdlog::warn("attempt {} judged UNKNOWN: {}; target {}", attempt.request.attempt_id(), why, outcome.target_status);
    }
  }
  // Requests that may never have reached the bus. On a bus that lives in this process only,
  // every waiting attempt at start-up was published by a process that is gone.
  const bool everything = republish_all_waiting || (first && !dependencies_.bus.shared_between_processes());
  const std::int64_t published_before = everything ? current : current - options_.requeue_after.count();
  std::size_t republished = 0;
  while (true) {
    std::vector<ports::DeliveryRequest> waiting = database_->deliveries().waiting_attempts(published_before, 10'000);
    for (const ports::DeliveryRequest& request : waiting) {
      publisher_->publish(ports::Topic::DeliveryRequests, dispatch::record_key(request), dispatch::encode_request(request));
    }
    republished += waiting.size();
    // Only the start-up pass of an in-process bus must go through everything; later passes
    // catch up on the next sweep.
    if (!everything || waiting.size() < 10'000) break;
    publisher_->flush(std::chrono::seconds{30});
  }
  if (republished > 0) {
    publisher_->flush(std::chrono::seconds{30});
    tally([&](DeliveryCounts& counts) { counts.republished += static_cast<std::int64_t>(republished); });
    spdlog::info("republished {} waiting delivery requests", republished);
  }
}

DeliveryCounts DeliveryService::Engine::run(const std::atomic<bool>& stop, Progress* progress) {
  progress_ = progress;
  database_ = dependencies_.open_database();
  publisher_ = dependencies_.bus.publisher();
  consumer_ = dependencies_.bus.consumer(options_.group);
  if (database_->writes_in_parallel()) recorder_database_ = dependencies_.open_database();
  // Enough requests in flight to keep every sender and whole database batches busy, and no more:
  // the coordinator stops polling at this bound (backpressure on the bus).
  const std::size_t maximum_in_flight =
      2 * std::max(static_cast<std::size_t>(options_.concurrency), options_.batch_size);
  // Outcomes are recorded in batches: one transaction per few hundred sends, not per send.
  constexpr auto kRecordingDelay = std::chrono::milliseconds{20};

  std::vector<std::jthread> senders;
  auto stop_senders = [&] {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    work_ready_.notify_all();
    senders.clear();  // joins
  };
  std::jthread recorder;
  auto stop_recorder = [&] {
    {
      std::lock_guard lock(mutex_);
      recorder_closing_ = true;
    }
    record_ready_.notify_all();
    if (recorder.joinable()) recorder.join();
  };
  try {
    for (int index = 0; index < options_.concurrency; ++index) senders.emplace_back([this] { sender_loop(); });
    if (recorder_database_) recorder = std::jthread([this] { recorder_loop(); });
    sweep(true);
    started_ = true;
    auto last_sweep = std::chrono::steady_clock::now();
    const auto started_at = std::chrono::steady_clock::now();
    auto idle_since = started_at;
    bool joined = false;
    bool stopping = false;
    std::vector<FinishedJob> unrecorded;
    auto unrecorded_since = std::chrono::steady_clock::now();
    while (true) {
      bool sends_outstanding = false;
      {
        std::unique_lock lock(mutex_);
        if (recorder_error_) std::rethrow_exception(recorder_error_);
        // Claimed requests still with the senders: the rest are finished, waiting for a batch, or
        // with the recorder thread.
        auto at_senders = [&] { return in_flight_ - finished_.size() - unrecorded.size() - recording_; };
        // Nothing to do but wait: no finished send to collect, no batch that may be recorded at
        // once, and no room (or no wish) to poll. The recorder thread, too, ends a wait.
        const bool batch_complete = !unrecorded.empty() && at_senders() == 0;
        const bool may_poll = in_flight_ < maximum_in_flight && !stopping;
        const bool stopped = stopping && in_flight_ == 0;
        if (finished_.empty() && !batch_complete && !may_poll && !stopped) {
          work_done_.wait_for(lock, unrecorded.empty() ? std::chrono::milliseconds{100} : kRecordingDelay);
        }
        if (!finished_.empty()) {
          if (unrecorded.empty()) unrecorded_since = std::chrono::steady_clock::now();
          for (FinishedJob& job : finished_) unrecorded.push_back(std::move(job));
          finished_.clear();
        }
        sends_outstanding = at_senders() > 0;
      }
      if (!unrecorded.empty() &&
          (unrecorded.size() >= options_.batch_size || !sends_outstanding || stopping ||
           std::chrono::steady_clock::now() - unrecorded_since >= kRecordingDelay)) {
        record_finished(std::move(unrecorded));
        unrecorded.clear();
      }
      if (!stopping && stop.load()) stopping = true;
      if (stopping) {
        if (in_flight_ == 0) break;
        continue;
      }
      if (const std::size_t in_flight = in_flight_; in_flight < maximum_in_flight) {
        auto wait = in_flight > 0 ? std::chrono::milliseconds{5} : std::chrono::milliseconds{100};
        std::vector<ports::ReceivedRecord> records =
            consumer_->poll(std::min(options_.batch_size, maximum_in_flight - in_flight), wait);
        if (!records.empty()) {
          handle_records(std::move(records));
          idle_since = std::chrono::steady_clock::now();
        } else if (in_flight_ > 0) {
          idle_since = std::chrono::steady_clock::now();
        }
      }
      auto current = std::chrono::steady_clock::now();
      if (options_.until_idle && !joined) {
        // Before joining the group an empty poll says nothing about the work left: the idle
        // time starts at the join.
        joined = consumer_->joined();
        if (!joined && current - started_at >= options_.join_timeout) {
          spdlog::warn("no consumer group assignment after {} ms; counting idle time from now",
                       options_.join_timeout.count());
          joined = true;
        }
        idle_since = current;
      }
      if (current - last_sweep >= options_.sweep_interval) {
        sweep(false);
        last_sweep = current;
      }
      if (options_.until_idle && in_flight_ == 0 && current - idle_since >= options_.idle_after) {
        // Before giving up, make sure no waiting request was lost on its way to the bus: after
        // a quiet spell every attempt still PUBLISHED is republished (the claim drops copies).
        const std::int64_t before = republished();
        sweep(false, /*republish_all_waiting=*/true);
        last_sweep = current;
        if (republished() == before) break;
        idle_since = current;
      }
    }
    stop_recorder();
    consumer_->commit();
    stop_senders();
  } catch (...) {
    stop_recorder();
    stop_senders();
    throw;
  }
  std::lock_guard lock(counts_mutex_);
  return counts_;
}

}  // namespace tr1l::delivery
