#include "app/config.h"

#include <cstdlib>
#include <toml++/toml.h>

namespace tr1l::app {
namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

template <typename Number>
Number positive_number(const std::string& source, const std::string& text) {
  try {
    std::size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used != text.size() || value <= 0) throw std::invalid_argument("not positive");
    return static_cast<Number>(value);
  } catch (const std::exception&) {
    throw ConfigError(source + ": '" + text + "' is not a positive whole number");
  }
}

void apply_file(Config& config, const std::filesystem::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& error) {
    throw ConfigError("config " + path.string() + " line " + std::to_string(error.source().begin.line) + ": " +
                      std::string(error.description()));
  }
  if (auto home = table["home"].value<std::string>()) config.home = *home;
  if (auto timezone = table["timezone"].value<std::string>()) config.timezone = *timezone;
  if (auto level = table["log_level"].value<std::string>()) config.log_level = *level;
  if (auto url = table["database"]["url"].value<std::string>()) config.database_url = *url;
  if (auto file = table["keys"]["file"].value<std::string>()) config.key_file = *file;
  if (auto directory = table["catalog"]["directory"].value<std::string>()) config.catalog_directory = *directory;
  if (auto url = table["object_store"]["url"].value<std::string>()) config.object_store = *url;
  auto invoice = table["invoice"];
  if (auto phone = invoice["support_phone"].value<std::string>()) config.invoice.support_phone = *phone;
  if (auto email = invoice["support_email"].value<std::string>()) config.invoice.support_email = *email;
  if (auto level = invoice["gzip_level"].value<long long>()) {
    if (*level < 1 || *level > 12) throw ConfigError("config " + path.string() + ": invoice.gzip_level must be 1-12");
    config.invoice.gzip_level = static_cast<int>(*level);
  }
  if (auto chunk = invoice["chunk_size"].value<long long>(); chunk && *chunk > 0) config.invoice.chunk_size = static_cast<std::size_t>(*chunk);
  if (auto threads = invoice["threads"].value<long long>(); threads && *threads > 0) config.invoice.threads = static_cast<int>(*threads);
  auto settlement = table["settlement"];
  auto positive = [&](const char* key) -> std::optional<long long> {
    auto value = settlement[key].value<long long>();
    if (value && *value <= 0) throw ConfigError("config " + path.string() + ": settlement." + key + " must be positive");
    return value;
  };
  if (auto value = positive("chunk_size")) config.settlement.chunk_size = static_cast<std::size_t>(*value);
  if (auto value = positive("partitions")) config.settlement.partitions = static_cast<int>(*value);
  if (auto value = positive("lease_seconds")) config.settlement.lease_duration = std::chrono::seconds(*value);
  if (auto value = positive("threads")) config.settlement.threads = static_cast<int>(*value);

  if (auto url = table["bus"]["url"].value<std::string>()) config.bus = *url;
  auto channels = table["channels"];
  if (auto value = channels["email"].value<std::string>()) config.channels.email = *value;
  if (auto value = channels["sms"].value<std::string>()) config.channels.sms = *value;
  if (auto value = channels["kakao"].value<std::string>()) config.channels.kakao = *value;
  auto positive_in = [&](const char* section, const char* key) -> std::optional<long long> {
    auto value = table[section][key].value<long long>();
    if (value && *value <= 0) {
      throw ConfigError("config " + path.string() + ": " + section + "." + key + " must be positive");
    }
    return value;
  };
  if (auto value = table["dispatch"]["system_quiet_hours"].value<std::string>()) config.dispatch.system_quiet_hours = *value;
  if (auto value = positive_in("dispatch", "batch_size")) config.dispatch.batch_size = static_cast<std::size_t>(*value);
  if (auto value = positive_in("delivery", "concurrency")) config.delivery.concurrency = static_cast<int>(*value);
  if (auto value = positive_in("delivery", "batch_size")) config.delivery.batch_size = static_cast<std::size_t>(*value);
  if (auto value = positive_in("delivery", "retry_delay_seconds")) config.delivery.retry_delay = std::chrono::seconds(*value);
  if (auto value = positive_in("delivery", "stuck_after_seconds")) config.delivery.stuck_after = std::chrono::seconds(*value);
  if (auto value = positive_in("delivery", "requeue_after_seconds")) config.delivery.requeue_after = std::chrono::seconds(*value);
  if (auto value = table["delivery"]["group"].value<std::string>()) config.delivery.group = *value;
}

}  // namespace

Config load_config(const std::optional<std::filesystem::path>& config_file) {
  Config config;
  if (auto home = environment("TR1L_HOME")) config.home = *home;

  std::optional<std::filesystem::path> file = config_file;
  if (!file) {
    if (auto path = environment("TR1L_CONFIG")) file = *path;
  }
  if (file) {
    if (!std::filesystem::exists(*file)) throw ConfigError("config file " + file->string() + " does not exist");
    apply_file(config, *file);
  } else if (std::filesystem::exists(config.home / "tr1l.toml")) {
    apply_file(config, config.home / "tr1l.toml");
  }

  // The environment wins over the file.
  if (auto home = environment("TR1L_HOME")) config.home = *home;
  if (auto url = environment("TR1L_DATABASE_URL")) config.database_url = *url;
  if (auto file_path = environment("TR1L_KEY_FILE")) config.key_file = *file_path;
  if (auto keys = environment("TR1L_KEYS")) config.keys_from_environment = *keys;
  if (auto directory = environment("TR1L_CATALOG_DIR")) config.catalog_directory = *directory;
  if (auto timezone = environment("TR1L_TIMEZONE")) config.timezone = *timezone;
  if (auto url = environment("TR1L_OBJECT_STORE")) config.object_store = *url;
  if (auto level = environment("TR1L_LOG_LEVEL")) config.log_level = *level;
  if (auto value = environment("TR1L_SETTLE_THREADS")) config.settlement.threads = positive_number<int>("TR1L_SETTLE_THREADS", *value);
  if (auto url = environment("TR1L_BUS")) config.bus = *url;
  if (auto value = environment("TR1L_EMAIL_CHANNEL")) config.channels.email = *value;
  if (auto value = environment("TR1L_SMS_CHANNEL")) config.channels.sms = *value;
  if (auto value = environment("TR1L_KAKAO_CHANNEL")) config.channels.kakao = *value;
  if (auto value = environment("TR1L_SYSTEM_QUIET_HOURS")) config.dispatch.system_quiet_hours = *value;
  if (auto value = environment("TR1L_DELIVERY_CONCURRENCY")) {
    config.delivery.concurrency = positive_number<int>("TR1L_DELIVERY_CONCURRENCY", *value);
  }
  return config;
}

}  // namespace tr1l::app
