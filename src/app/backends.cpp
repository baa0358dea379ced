#include "app/backends.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "adapters/inproc/in_process_bus.h"
#include "adapters/kafka/kafka_bus.h"
#include "adapters/keyfile/file_key_ring.h"
#include "adapters/localfs/local_object_store.h"
#include "adapters/outbox/outbox_sender.h"
#include "adapters/http_gateway/http_gateway_sender.h"
#include "adapters/smtp/smtp_sender.h"
#include "adapters/postgres/postgres_database.h"
#include "adapters/s3/s3_credentials.h"
#include "adapters/s3/s3_location.h"
#include "adapters/s3/s3_object_store.h"
#include "adapters/sqlite/sqlite_database.h"
#include "common/embedded_resources.h"
#include "common/redact_url.h"

namespace tr1l::app {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) throw ConfigError("cannot read catalogue file " + path.string());
  std::ostringstream content;
  content << input.rdbuf();
  return content.str();
}

std::unique_ptr<ports::Database> open_database(const Config& config) {
  const std::string& url = config.database_url;
  if (url.empty()) {
    std::filesystem::create_directories(config.home);
    return std::make_unique<adapters::sqlite::SqliteDatabase>(config.default_sqlite_path().string());
  }
  if (url.starts_with("sqlite://")) {
    std::string path = url.substr(std::string_view("sqlite://").size());
    if (path.empty()) throw ConfigError("database URL " + url + " names no file (use sqlite:///path/to/file.db)");
    if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) std::filesystem::create_directories(parent);
    return std::make_unique<adapters::sqlite::SqliteDatabase>(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::make_unique<adapters::postgres::PostgresDatabase>(url);
  }
  throw ConfigError("database URL " + redact_url(url) + " has an unsupported scheme (use sqlite:// or postgresql://)");
}

}  // namespace

ports::DatabaseFactory database_factory(const Config& config) {
  auto migrated = std::make_shared<std::once_flag>();
  return [config, migrated]() {
    auto database = open_database(config);
    std::call_once(*migrated, [&] { database->migrate(); });
    return database;
  };
}

invoicing::ObjectStoreFactory object_store_factory(const Config& config) {
  const std::string& url = config.object_store;
  if (url.empty() || url.starts_with("file://")) {
    const std::filesystem::path root =
        url.empty() ? config.default_invoice_directory() : std::filesystem::path(url.substr(std::string_view("file://").size()));
    if (root.empty()) throw ConfigError("object store URL " + url + " names no directory (use file:///path)");
    return [root] { return std::make_unique<adapters::localfs::LocalObjectStore>(root); };
  }
  if (url.starts_with("s3://")) {
    auto location = adapters::s3::parse_s3_location(url);
    return [location] {
      return std::make_unique<adapters::s3::S3ObjectStore>(location, adapters::s3::resolve_aws_credentials());
    };
  }
  throw ConfigError("object store URL " + url + " has an unsupported scheme (use file:// or s3://)");
}

domain::Catalog load_catalog(const Config& config) {
  if (config.catalog_directory) {
    const auto& directory = *config.catalog_directory;
    std::string plans = read_file(directory / "plans.csv"), add_ons = read_file(directory / "options.csv"),
                welfare = read_file(directory / "welfare.csv"), contracts = read_file(directory / "contract_discount.csv"),
                included = read_file(directory / "plan_included_options.csv");
    return domain::Catalog::parse({plans, add_ons, welfare, contracts, included});
  }
  auto file = [](const char* name) {
    auto content = embedded::find(std::string("catalog/") + name);
    if (!content) throw ConfigError(std::string("built-in catalogue file missing: ") + name);
    return *content;
  };
  return domain::Catalog::parse({file("plans.csv"), file("options.csv"), file("welfare.csv"),
                                 file("contract_discount.csv"), file("plan_included_options.csv")});
}

std::unique_ptr<ports::KeyRing> load_keys(const Config& config) {
  bool created = false;
  auto keys = adapters::keyfile::load_key_ring({config.keys_from_environment, config.key_file, config.home}, &created);
  if (created) {
    spdlog::warn("generated a development key ring at {}; production keys come from TR1L_KEY_FILE or TR1L_KEYS",
                 adapters::keyfile::development_key_file(config.home).string());
  }
  return keys;
}

std::unique_ptr<ports::MessageBus> open_bus(const Config& config) {
  if (config.bus.empty() || config.bus == "inproc") return std::make_unique<adapters::InProcessBus>();
  if (config.bus.starts_with("kafka://")) {
    return std::make_unique<adapters::kafka::KafkaBus>(adapters::kafka::kafka_settings_from_environment(config.bus));
  }
  throw ConfigError("bus URL " + redact_url(config.bus) + " has an unsupported scheme (use inproc or kafka://)");
}

namespace {

std::unique_ptr<ports::ChannelSender> open_sender(const Config& config, domain::Channel channel, const std::string& spec) {
  const std::string name(domain::to_string(channel));
  if (spec == "outbox") return std::make_unique<adapters::OutboxSender>(config.outbox_directory(), channel);
  if (spec == "mock") return std::make_unique<adapters::AcceptingSender>();
  const bool smtp = spec.starts_with("smtp://") || spec.starts_with("smtps://");
  const bool gateway = spec.starts_with("http://") || spec.starts_with("https://");
  if (smtp && channel == domain::Channel::Email) return adapters::smtp::SmtpSender::open(spec);
  if (gateway && channel != domain::Channel::Email) return adapters::http_gateway::HttpGatewaySender::open(spec);
  throw ConfigError("channel " + name + " sender '" + redact_url(spec) +
                    "' is not supported (use outbox, mock, smtp:// for EMAIL or http:// for SMS and KAKAO)");
}

}  // namespace

ChannelSenderSet open_channel_senders(const Config& config, const ChannelDrill& drill) {
  ChannelSenderSet set;
  const std::pair<domain::Channel, const std::string*> configured[] = {{domain::Channel::Email, &config.channels.email},
                                                                      {domain::Channel::Sms, &config.channels.sms},
                                                                      {domain::Channel::Kakao, &config.channels.kakao}};
  for (const auto& [channel, spec] : configured) {
    std::unique_ptr<ports::ChannelSender> sender = open_sender(config, channel, *spec);
    auto rate = drill.failure_rates.find(channel);
    auto latency = drill.latencies.find(channel);
    if (rate != drill.failure_rates.end() || latency != drill.latencies.end()) {
      adapters::FaultPlan plan{.failure_rate = rate != drill.failure_rates.end() ? rate->second : 0.0,
                               .latency = latency != drill.latencies.end() ? latency->second : std::chrono::milliseconds{0},
                               // Each channel draws differently from the same seed.
                               .seed = drill.seed * 31 + static_cast<std::uint64_t>(channel)};
      sender = std::make_unique<adapters::FaultInjectingSender>(std::move(sender), plan);
    }
    set.by_channel[channel] = sender.get();
    set.owned.push_back(std::move(sender));
  }
  return set;
}

}  // namespace tr1l::app
