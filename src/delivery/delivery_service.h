// Delivery (SPEC §6): a member of the delivery consumer group. For each request on the bus it
// claims the attempt in the database (the duplicate guard), decrypts the destination, fetches
// the invoice object and checks its SHA-256, sends it through the channel, records the outcome
// and only then acknowledges the record, so a crash at any point means redelivery, and
// redelivery never means a second send.
//
// One coordinating thread polls, claims and records in batches; `concurrency` sender threads
// prepare and send. Where the database's writers run in parallel, a recorder thread with its own
// connection records the outcomes instead, while the coordinator claims the next batch. The
// coordinator stops polling while `2 × concurrency` requests are in flight, so a slow channel
// holds back the bus instead of growing memory. The coordinator also sweeps: an
// attempt whose sender vanished mid-send (owner process gone, or no outcome after
// `stuck_after`) is recorded UNKNOWN and its target moves to the next channel — never resent on
// the same one; a PUBLISHED attempt whose request may have been lost is published again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "crypto/pii_cipher.h"
#include "invoicing/invoice_job.h"
#include "ports/bus.h"
#include "ports/channel_sender.h"
#include "ports/clock.h"
#include "ports/database.h"

namespace tr1l {
class Progress;
}

namespace tr1l::delivery {

struct DeliveryOptions {
  int concurrency = 32;             // sends in flight at once
  std::size_t batch_size = 500;     // requests claimed / outcomes recorded per transaction
  std::chrono::seconds retry_delay{600};    // the next round is not dispatched before this
  std::chrono::seconds stuck_after{900};    // a SENDING attempt older than this is judged UNKNOWN
  std::chrono::seconds requeue_after{300};  // a PUBLISHED attempt older than this is republished
  std::chrono::milliseconds sweep_interval{30'000};
  std::string group = "tr1l-delivery";
  bool until_idle = false;                  // stop when nothing arrives for `idle_after`
  std::chrono::milliseconds idle_after{3000};
  // With until_idle, the idle time counts from joining the consumer group (a broker that has
  // just started takes seconds to coordinate one), or from this long after start when the
  // member has still not joined.
  std::chrono::milliseconds join_timeout{60'000};
};

struct DeliveryCounts {
  std::int64_t sent = 0;
  std::int64_t failed = 0;       // rounds that failed (the target moved on or was exhausted)
  std::int64_t exhausted = 0;    // targets that failed their last channel
  std::int64_t unknown = 0;      // stuck attempts the sweeper judged
  std::int64_t duplicates = 0;   // redelivered requests skipped by the attempt claim
  std::int64_t dead_lettered = 0;
  std::int64_t republished = 0;
  // When the last outcome was recorded, on the machine's wall clock (not the job clock): the end
  // of the work, which `--until-idle` outlives by its idle time.
  std::optional<std::chrono::system_clock::time_point> last_outcome_at;
  std::map<domain::Channel, std::int64_t> sent_by_channel;
  std::map<domain::Channel, std::int64_t> failed_by_channel;
};

// The channel senders by channel; a channel without one fails its rounds ("no sender
// configured"), which moves those targets on.
using ChannelSenders = std::map<domain::Channel, ports::ChannelSender*>;

struct DeliveryDependencies {
  ports::DatabaseFactory open_database;
  invoicing::ObjectStoreFactory open_object_store;
  ports::MessageBus& bus;
  const crypto::PiiCipher& cipher;
  ChannelSenders senders;
  const ports::Clock& clock;
};

class DeliveryService {
 public:
  DeliveryService(DeliveryDependencies dependencies, DeliveryOptions options);
  ~DeliveryService();
  DeliveryService(const DeliveryService&) = delete;
  DeliveryService& operator=(const DeliveryService&) = delete;

  // Consumes until `stop` becomes true (or, with until_idle, until idle), finishes and records
  // the sends in flight, commits, and returns the counts. Throws on a database or bus failure
  // after stopping the senders; attempts in flight then stay SENDING for the sweeper.
  DeliveryCounts run(const std::atomic<bool>& stop, Progress* progress = nullptr);

  // Outcomes recorded so far (thread-safe), for callers waiting on progress.
  std::int64_t outcomes_recorded() const;
  // True once run() has swept at start-up (thread-safe). A dispatcher sharing an in-process bus
  // starts after this, or the start-up sweep would republish its fresh claims.
  bool started() const;

 private:
  class Engine;
  std::unique_ptr<Engine> engine_;
};

// The e-mail subject for a billing month: "[TR1L] 2026년 10월 통신요금 청구서".
std::string invoice_subject(const domain::YearMonth& month);

}  // namespace tr1l::delivery
