// Configuration: built-in defaults, then an optional TOML file, then environment variables
// (TR1L_*), each overriding the one before. Secrets (key material) come only from the
// environment or a key file, never from the TOML file or the command line.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace tr1l::app {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::filesystem::path home = "tr1l-data";  // TR1L_HOME
  std::string database_url;                  // TR1L_DATABASE_URL; empty = sqlite under home
  std::optional<std::filesystem::path> key_file;     // TR1L_KEY_FILE
  std::optional<std::string> keys_from_environment;  // TR1L_KEYS (key ring text)
  std::optional<std::filesystem::path> catalog_directory;  // TR1L_CATALOG_DIR; empty = built-in
  std::string timezone = "Asia/Seoul";                     // TR1L_TIMEZONE
  std::string log_level = "info";                          // TR1L_LOG_LEVEL
  // TR1L_OBJECT_STORE: file:///ROOT or s3://BUCKET?endpoint=...&region=...; empty = TR1L_HOME/invoices
  std::string object_store;

  struct Invoice {
    std::string support_phone = "114";
    std::string support_email = "support@tr1l.example";
    int gzip_level = 1;  // ~2x faster than 6 for ~6 % larger objects (docs/BENCHMARKS.md)
    std::size_t chunk_size = 1000;
    int threads = 1;
  } invoice;

  struct Settlement {
    std::size_t chunk_size = 5000;
    int partitions = 32;
    std::chrono::milliseconds lease_duration{10'000};
    int threads = 1;
  } settlement;

  // TR1L_BUS: "inproc" (one process; the embedded default) or kafka://HOST:PORT[,…]?options
  std::string bus = "inproc";

  // How each channel sends: "outbox" (files under TR1L_HOME/outbox), "mock" (accepts and
  // discards, for benchmarks), smtp://… / smtps://… for e-mail, http(s)://… gateway for SMS and
  // KakaoTalk. TR1L_EMAIL_CHANNEL, TR1L_SMS_CHANNEL, TR1L_KAKAO_CHANNEL.
  struct Channels {
    std::string email = "outbox";
    std::string sms = "outbox";
    std::string kakao = "outbox";
  } channels;

  struct Dispatch {
    // System-wide do-not-disturb window "FROM-TO" in local hours, e.g. "21-8"; TR1L_SYSTEM_QUIET_HOURS.
    std::string system_quiet_hours;
    std::size_t batch_size = 1000;
  } dispatch;

  struct Delivery {
    int concurrency = 32;
    std::size_t batch_size = 500;
    std::chrono::seconds retry_delay{600};
    std::chrono::seconds stuck_after{900};
    std::chrono::seconds requeue_after{300};
    std::string group = "tr1l-delivery";
  } delivery;

  // Where the SQLite file lives when no database URL is configured.
  std::filesystem::path default_sqlite_path() const { return home / "tr1l.db"; }
  std::filesystem::path default_invoice_directory() const { return home / "invoices"; }
  std::filesystem::path outbox_directory() const { return home / "outbox"; }
};

// Reads `config_file` when given (it must exist), else TR1L_CONFIG when set, else
// TR1L_HOME/tr1l.toml when present; then applies the environment.
Config load_config(const std::optional<std::filesystem::path>& config_file);

}  // namespace tr1l::app
