#include "adapters/kafka/kafka_settings.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <optional>

namespace tr1l::adapters::kafka {
namespace {

constexpr std::string_view scheme_prefix = "kafka://";

std::string_view trim(std::string_view text) {
  const auto is_space = [](char character) { return character == ' ' || character == '\t' || character == '\n' || character == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

long long integer_parameter(std::string_view name, std::string_view value, long long minimum, long long maximum) {
  const auto parsed = parse_integer(value);
  if (!parsed || *parsed < minimum || *parsed > maximum) {
    throw KafkaConfigurationError("Kafka URL: " + std::string(name) + "=" + std::string(value) + " is not a whole number from " +
                                  std::to_string(minimum) + " to " + std::to_string(maximum));
  }
  return *parsed;
}

// Kafka's own rule: 1-249 characters from [a-zA-Z0-9._-], and not "." or "..".
bool is_valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
           (character >= '0' && character <= '9') || character == '.' || character == '_' || character == '-';
  });
}

std::string checked_topic(std::string_view parameter, std::string name) {
  if (!is_valid_topic_name(name)) {
    throw KafkaConfigurationError("Kafka URL: " + std::string(parameter) + " gives the topic name '" + name +
                                  "', which is not 1-249 characters of letters, digits, '.', '_' and '-'");
  }
  return name;
}

bool is_valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';  // IPv6 literal
  return std::all_of(host.begin(), host.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
           (character >= '0' && character <= '9') || character == '.' || character == '-' || character == '_';
  });
}

// "host[:port],host[:port]" -> "host:port,host:port" (port 9092 when omitted).
std::string normalise_brokers(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    throw KafkaConfigurationError(
        "Kafka URL: credentials do not belong in the URL; set SASL properties in TR1L_KAFKA_PROPERTIES instead");
  }
  std::string brokers;
  while (true) {
    const std::size_t comma = std::min(authority.find(','), authority.size());
    const std::string_view entry = authority.substr(0, comma);
    std::string_view host = entry, port = "9092";
    const std::size_t ipv6_end = entry.starts_with('[') ? entry.find(']') : std::string_view::npos;
    const std::size_t colon = entry.find(':', ipv6_end == std::string_view::npos ? 0 : ipv6_end);
    if (colon != std::string_view::npos) {
      host = entry.substr(0, colon);
      port = entry.substr(colon + 1);
    }
    const auto port_number = parse_integer(port);
    if (!is_valid_host(host) || !port_number || *port_number < 1 || *port_number > 65535) {
      throw KafkaConfigurationError("Kafka URL: broker '" + std::string(entry) + "' is not HOST:PORT");
    }
    if (!brokers.empty()) brokers += ',';
    brokers += std::string(host) + ":" + std::string(port);
    if (comma == authority.size()) break;
    authority.remove_prefix(comma + 1);
  }
  return brokers;
}

}  // namespace

const std::string& KafkaSettings::topic_name(ports::Topic topic) const {
  switch (topic) {
    case ports::Topic::DeliveryRequests:
      return requests_topic;
    case ports::Topic::DeliveryResults:
      return results_topic;
    case ports::Topic::DeadLetters:
      return dead_letters_topic;
  }
  throw ports::BusError("unknown bus topic " + std::to_string(static_cast<int>(topic)));
}

KafkaSettings parse_kafka_url(std::string_view url) {
  if (!url.starts_with(scheme_prefix)) throw KafkaConfigurationError("Kafka URL must start with kafka://");
  std::string_view rest = url.substr(scheme_prefix.size());
  const std::size_t question = rest.find('?');
  std::string_view authority = rest.substr(0, question);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.find('/') != std::string_view::npos) {
    throw KafkaConfigurationError("Kafka URL: a path is not supported (kafka://host:port,host:port?parameters)");
  }
  if (authority.empty()) throw KafkaConfigurationError("Kafka URL names no broker (kafka://host:port)");

  KafkaSettings settings;
  settings.brokers = normalise_brokers(authority);
  std::string prefix = "tr1l.";
  std::optional<std::string> requests, results, dead_letters;
  std::string_view query = question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  while (!query.empty()) {
    const std::size_t ampersand = std::min(query.find('&'), query.size());
    const std::string_view parameter = query.substr(0, ampersand);
    query.remove_prefix(std::min(ampersand + 1, query.size()));
    if (parameter.empty()) continue;
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) {
      throw KafkaConfigurationError("Kafka URL: parameter '" + std::string(parameter) + "' has no value");
    }
    const std::string_view name = parameter.substr(0, equals), value = parameter.substr(equals + 1);
    if (name == "topic_prefix") {
      prefix = value;
    } else if (name == "requests_topic") {
      requests = checked_topic(name, std::string(value));
    } else if (name == "results_topic") {
      results = checked_topic(name, std::string(value));
    } else if (name == "dead_letters_topic") {
      dead_letters = checked_topic(name, std::string(value));
    } else if (name == "partitions") {
      settings.partitions = static_cast<int>(integer_parameter(name, value, 1, 100'000));
    } else if (name == "replication") {
      settings.replication = static_cast<int>(integer_parameter(name, value, 1, 32'767));
    } else if (name == "session_timeout_ms") {
      settings.session_timeout = std::chrono::milliseconds(integer_parameter(name, value, 1'000, 3'600'000));
    } else {
      throw KafkaConfigurationError(
          "Kafka URL: unknown parameter '" + std::string(name) +
          "' (known: topic_prefix, requests_topic, results_topic, dead_letters_topic, partitions, replication, "
          "session_timeout_ms; librdkafka properties go in TR1L_KAFKA_PROPERTIES)");
    }
  }
  settings.requests_topic = requests ? *requests : checked_topic("topic_prefix", prefix + "delivery.requests");
  settings.results_topic = results ? *results : checked_topic("topic_prefix", prefix + "delivery.results");
  settings.dead_letters_topic = dead_letters ? *dead_letters : checked_topic("topic_prefix", prefix + "delivery.dead-letters");
  return settings;
}

void check_overridable_property(std::string_view key) {
  // What the bus promises (acknowledged-only commits, idempotent all-replica writes, the URL's
  // brokers and the caller's group) must not be switched off by accident.
  static constexpr std::array<std::string_view, 9> reserved = {
      "bootstrap.servers",  "metadata.broker.list",     "group.id",           "enable.auto.commit",
      "auto.commit.enable", "enable.auto.offset.store", "enable.idempotence", "acks",
      "request.required.acks"};
  if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) {
    throw KafkaConfigurationError("Kafka property '" + std::string(key) +
                                  "' is set by TR1L (brokers come from the URL; commits, idempotence and acks=all "
                                  "are what the bus guarantees rest on)");
  }
}

KafkaProperties parse_kafka_properties(std::string_view text) {
  KafkaProperties properties;
  int position = 0;
  while (!text.empty()) {
    const std::size_t semicolon = std::min(text.find(';'), text.size());
    const std::string_view entry = trim(text.substr(0, semicolon));
    text.remove_prefix(std::min(semicolon + 1, text.size()));
    if (entry.empty()) continue;
    ++position;
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      throw KafkaConfigurationError("TR1L_KAFKA_PROPERTIES: entry " + std::to_string(position) +
                                    " is not key=value (entries are separated by ';')");
    }
    const std::string key(trim(entry.substr(0, equals)));
    if (key.empty()) {
      throw KafkaConfigurationError("TR1L_KAFKA_PROPERTIES: entry " + std::to_string(position) + " has no key");
    }
    check_overridable_property(key);
    properties.emplace_back(key, std::string(trim(entry.substr(equals + 1))));
  }
  return properties;
}

KafkaSettings kafka_settings_from_environment(std::string_view url) {
  KafkaSettings settings = parse_kafka_url(url);
  if (const char* text = std::getenv("TR1L_KAFKA_PROPERTIES"); text != nullptr) {
    settings.extra_properties = parse_kafka_properties(text);
  }
  return settings;
}

}  // namespace tr1l::adapters::kafka
