#include "dispatch/delivery_messages.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace tr1l::dispatch {
namespace {

// Records are written directly rather than built as a JSON document: building one costs an
// allocation per field, a noticeable share of delivery's CPU, and every value here is a number or
// an identifier. Records read from the bus are untrusted and go through nlohmann::json.
void append_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
           c == '_';
  });
  if (plain) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += nlohmann::json(std::string(text)).dump();
  }
}

// The request's fields in the order of the header's example, without the closing brace.
std::string request_fields(const ports::DeliveryRequest& request) {
  std::string out;
  out.reserve(160);
  fmt::format_to(std::back_inserter(out), R"({{"schema_version":{},"attempt_id":)", kSchemaVersion);
  append_string(out, request.attempt_id());
  out += R"(,"month":)";
  append_string(out, request.month.to_string());
  fmt::format_to(std::back_inserter(out), R"(,"user_id":{},"round":{},"channel":)", request.user_id, request.round);
  append_string(out, domain::to_string(request.channel));
  fmt::format_to(std::back_inserter(out), R"(,"policy_version":{})", request.policy_version);
  return out;
}

}  // namespace

std::string encode_request(const ports::DeliveryRequest& request) { return request_fields(request) + '}'; }

std::variant<ports::DeliveryRequest, std::string> decode_request(const ports::ReceivedRecord& record) {
  nlohmann::json json = nlohmann::json::parse(record.payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::string("not a JSON object");
  auto version = json.find("schema_version");
  if (version == json.end() || !version->is_number_integer()) return std::string("missing schema_version");
  if (version->get<int>() != kSchemaVersion) {
    return "schema_version " + version->dump() + " is not supported (this build reads " + std::to_string(kSchemaVersion) + ")";
  }
  auto text_field = [&](const char* name) -> const nlohmann::json* {
    auto found = json.find(name);
    return found != json.end() && found->is_string() ? &*found : nullptr;
  };
  auto integer_field = [&](const char* name) -> const nlohmann::json* {
    auto found = json.find(name);
    return found != json.end() && found->is_number_integer() ? &*found : nullptr;
  };
  for (const char* name : {"attempt_id", "month", "channel"}) {
    if (!text_field(name)) return std::string("field ") + name + " is missing or not a string";
  }
  for (const char* name : {"user_id", "round", "policy_version"}) {
    if (!integer_field(name)) return std::string("field ") + name + " is missing or not an integer";
  }
  ports::DeliveryRequest request;
  auto month = domain::YearMonth::parse(text_field("month")->get<std::string>());
  if (!month) return std::string("field month is not YYYY-MM");
  request.month = *month;
  auto channel = domain::parse_channel(text_field("channel")->get<std::string>());
  if (!channel) return std::string("field channel is not EMAIL, SMS or KAKAO");
  request.channel = *channel;
  request.user_id = integer_field("user_id")->get<std::int64_t>();
  request.round = integer_field("round")->get<int>();
  request.policy_version = integer_field("policy_version")->get<int>();
  if (request.user_id <= 0 || request.round < 0 || request.policy_version <= 0) {
    return std::string("user_id, round or policy_version out of range");
  }
  if (text_field("attempt_id")->get<std::string>() != request.attempt_id()) {
    return std::string("attempt_id does not match month, user_id and round");
  }
  if (record.key != std::to_string(request.user_id)) return std::string("record key is not the user_id");
  return request;
}

std::string encode_result(const ports::AttemptOutcome& outcome) {
  std::string out = request_fields(outcome.request);
  out += R"(,"outcome":)";
  append_string(out, outcome.attempt_status);
  out += R"(,"target_status":)";
  append_string(out, outcome.target_status);
  fmt::format_to(std::back_inserter(out), R"(,"finished_at":{}}})", outcome.finished_at);
  return out;
}

std::string encode_dead_letter(const ports::ReceivedRecord& record, const std::string& reason) {
  constexpr std::size_t kMaximumPayload = 1024;
  std::string payload = record.payload.substr(0, kMaximumPayload);
  nlohmann::json json{{"schema_version", kSchemaVersion},
                      {"reason", reason},
                      {"source", {{"partition", record.partition}, {"offset", record.offset}}},
                      {"key", record.key},
                      {"payload", payload}};
  // Invalid UTF-8 in a poison record must not make the dead letter itself unwritable.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tr1l::dispatch
