// Turns configuration into the concrete backends: which database, which catalogue, which keys.
// This is the one place that knows every adapter; the jobs only see the ports.
#pragma once

#include <memory>

#include "adapters/simulated/simulated_senders.h"
#include "app/config.h"
#include "delivery/delivery_service.h"
#include "ports/bus.h"
#include "crypto/pii_cipher.h"
#include "domain/catalog.h"
#include "ports/database.h"
#include "ports/key_ring.h"
#include "invoicing/invoice_job.h"
#include "settlement/settlement_job.h"

namespace tr1l::app {

// A factory opening a new, migrated connection to the configured database on each call.
// Migrations run once, on the first call.
ports::DatabaseFactory database_factory(const Config& config);

// A factory for the configured invoice store: a local directory (default TR1L_HOME/invoices) or
// an S3 bucket with credentials from the standard AWS sources.
invoicing::ObjectStoreFactory object_store_factory(const Config& config);

// The configured catalogue directory, or the catalogue built into the binary.
domain::Catalog load_catalog(const Config& config);

// TR1L_KEYS, else the key file, else the development key file under TR1L_HOME (created and
// announced with a warning on first use).
std::unique_ptr<ports::KeyRing> load_keys(const Config& config);

// The configured message bus: the in-process queue (default) or Kafka.
std::unique_ptr<ports::MessageBus> open_bus(const Config& config);

// Drill settings applied on top of any channel: a share of sends fail, every send is slower.
struct ChannelDrill {
  std::map<domain::Channel, double> failure_rates;
  std::map<domain::Channel, std::chrono::milliseconds> latencies;
  std::uint64_t seed = 1;
};

// The configured sender of every channel, with the drill's faults wrapped around them.
struct ChannelSenderSet {
  std::vector<std::unique_ptr<ports::ChannelSender>> owned;
  delivery::ChannelSenders by_channel;
};
ChannelSenderSet open_channel_senders(const Config& config, const ChannelDrill& drill);

}  // namespace tr1l::app
