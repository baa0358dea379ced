#include "adapters/kafka/kafka_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "adapters/kafka/kafka_bus.h"

namespace tr1l::adapters::kafka {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string error_of(const auto& action) {
  try {
    action();
  } catch (const KafkaConfigurationError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no KafkaConfigurationError";
  return {};
}

TEST(KafkaSettings, DefaultsFromAMinimalUrl) {
  const KafkaSettings settings = parse_kafka_url("kafka://broker1:9092");
  EXPECT_EQ(settings.brokers, "broker1:9092");
  EXPECT_EQ(settings.requests_topic, "tr1l.delivery.requests");
  EXPECT_EQ(settings.results_topic, "tr1l.delivery.results");
  EXPECT_EQ(settings.dead_letters_topic, "tr1l.delivery.dead-letters");
  EXPECT_EQ(settings.partitions, 12);
  EXPECT_EQ(settings.replication, 1);
  EXPECT_EQ(settings.topic_name(ports::Topic::DeliveryRequests), "tr1l.delivery.requests");
  EXPECT_EQ(settings.topic_name(ports::Topic::DeliveryResults), "tr1l.delivery.results");
  EXPECT_EQ(settings.topic_name(ports::Topic::DeadLetters), "tr1l.delivery.dead-letters");
}

TEST(KafkaSettings, BrokerListPrefixPartitionsAndReplication) {
  const KafkaSettings settings = parse_kafka_url(
      "kafka://a.example:9093,b.example,[::1]:9094/?topic_prefix=prod.&partitions=24&replication=3"
      "&session_timeout_ms=6000");
  EXPECT_EQ(settings.brokers, "a.example:9093,b.example:9092,[::1]:9094");
  EXPECT_EQ(settings.requests_topic, "prod.delivery.requests");
  EXPECT_EQ(settings.dead_letters_topic, "prod.delivery.dead-letters");
  EXPECT_EQ(settings.partitions, 24);
  EXPECT_EQ(settings.replication, 3);
  EXPECT_EQ(settings.session_timeout, std::chrono::milliseconds(6000));
}

TEST(KafkaSettings, TopicsMayBeNamedOneByOne) {
  const KafkaSettings settings =
      parse_kafka_url("kafka://h:1?topic_prefix=x_&requests_topic=billing-requests&dead_letters_topic=dlq");
  EXPECT_EQ(settings.requests_topic, "billing-requests");
  EXPECT_EQ(settings.results_topic, "x_delivery.results");
  EXPECT_EQ(settings.dead_letters_topic, "dlq");
}

TEST(KafkaSettings, RefusesBadUrlsNamingTheProblem) {
  EXPECT_THAT(error_of([] { parse_kafka_url("http://h:9092"); }), HasSubstr("kafka://"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://"); }), HasSubstr("no broker"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:notaport"); }), HasSubstr("'h:notaport'"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092,,g:1"); }), HasSubstr("is not HOST:PORT"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092?partitions=0"); }), HasSubstr("partitions=0"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092?replication=x"); }), HasSubstr("replication=x"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092?topic_prefix=bad/"); }), HasSubstr("bad/delivery.requests"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092?requests_topic=.."); }), HasSubstr("requests_topic"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092?colour=blue"); }), HasSubstr("unknown parameter 'colour'"));
  EXPECT_THAT(error_of([] { parse_kafka_url("kafka://h:9092/path"); }), HasSubstr("path"));
}

TEST(KafkaSettings, RefusesCredentialsInTheUrlWithoutRepeatingThem) {
  const std::string message = error_of([] { parse_kafka_url("kafka://alice:s3cret@h:9092"); });
  EXPECT_THAT(message, HasSubstr("TR1L_KAFKA_PROPERTIES"));
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
}

TEST(KafkaSettings, PropertiesAreKeyValuePairsSeparatedBySemicolons) {
  const KafkaProperties properties =
      parse_kafka_properties(" security.protocol=SASL_SSL ; sasl.mechanism=PLAIN;;sasl.password=a=b; ");
  ASSERT_EQ(properties.size(), 3u);
  EXPECT_EQ(properties[0], (std::pair<std::string, std::string>{"security.protocol", "SASL_SSL"}));
  EXPECT_EQ(properties[1], (std::pair<std::string, std::string>{"sasl.mechanism", "PLAIN"}));
  EXPECT_EQ(properties[2], (std::pair<std::string, std::string>{"sasl.password", "a=b"}));
}

TEST(KafkaSettings, PropertyErrorsNeverRepeatValues) {
  const std::string missing_equals = error_of([] { parse_kafka_properties("a=1;hunter2"); });
  EXPECT_THAT(missing_equals, HasSubstr("entry 2"));
  EXPECT_THAT(missing_equals, Not(HasSubstr("hunter2")));
  EXPECT_THAT(error_of([] { parse_kafka_properties("=x"); }), HasSubstr("no key"));
}

TEST(KafkaSettings, PropertiesTheBusRestsOnCannotBeOverridden) {
  for (const char* key : {"enable.auto.commit", "enable.idempotence", "acks", "request.required.acks",
                          "bootstrap.servers", "group.id", "enable.auto.offset.store"}) {
    EXPECT_THAT(error_of([&] { parse_kafka_properties(std::string(key) + "=x"); }), HasSubstr(key));
  }
}

TEST(KafkaSettings, EnvironmentSuppliesExtraProperties) {
  ::setenv("TR1L_KAFKA_PROPERTIES", "socket.keepalive.enable=true", 1);
  const KafkaSettings settings = kafka_settings_from_environment("kafka://h:9092");
  ::unsetenv("TR1L_KAFKA_PROPERTIES");
  ASSERT_EQ(settings.extra_properties.size(), 1u);
  EXPECT_EQ(settings.extra_properties[0].first, "socket.keepalive.enable");
}

TEST(KafkaSettings, TheBusRefusesUnknownAndInvalidPropertiesWithoutRepeatingValues) {
  KafkaSettings settings = parse_kafka_url("kafka://127.0.0.1:9");
  settings.extra_properties = {{"no.such.property", "s3cret"}};
  std::string message = error_of([&] { KafkaBus bus(settings); });
  EXPECT_THAT(message, HasSubstr("unknown librdkafka property 'no.such.property'"));
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));

  settings.extra_properties = {{"security.protocol", "s3cret"}};
  message = error_of([&] { KafkaBus bus(settings); });
  EXPECT_THAT(message, HasSubstr("'security.protocol' is invalid"));
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));

  settings.extra_properties = {{"enable.auto.commit", "true"}};
  EXPECT_THAT(error_of([&] { KafkaBus bus(settings); }), HasSubstr("set by TR1L"));
}

}  // namespace
}  // namespace tr1l::adapters::kafka
