#include "dispatch/delivery_messages.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>

namespace tr1l::dispatch {
namespace {

// Records are written directly rather than built as a JSON document: building one costs an
// allocation per field, a noticeable share of delivery's CPU, and every value here is a number or
// an identifier. Records read from the bus are untrusted and go through nlohmann::json's parser.
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


// A request's top-level fields, read as the parser meets them instead of through a document: the
// document (a map node and a string per field) was a measurable share of delivery's CPU. Unknown
// fields are skipped whatever their value; a field given twice keeps its last value, as a
// document would.
enum class Field : std::size_t { SchemaVersion, AttemptId, Month, UserId, Round, Channel, PolicyVersion, Count };
constexpr std::array<const char*, static_cast<std::size_t>(Field::Count)> kFieldNames = {
    "schema_version", "attempt_id", "month", "user_id", "round", "channel", "policy_version"};

struct FieldValue {
  enum class Kind { Absent, Text, Integer, Unsigned, Other } kind = Kind::Absent;
  std::string text;                 // Text only
  std::int64_t integer = 0;         // Integer only
  std::uint64_t huge_integer = 0;   // Unsigned only
  bool is_integer() const { return kind == Kind::Integer || kind == Kind::Unsigned; }
  // Unsigned is an integer beyond the int64 range: still an integer, never a valid identifier.
  bool fits_in_int64() const { return kind == Kind::Integer; }
  bool fits_in_int() const {
    return kind == Kind::Integer && integer >= std::numeric_limits<int>::min() && integer <= std::numeric_limits<int>::max();
  }
  // An integer as written, for messages: formatted only when a message needs it.
  std::string digits() const { return kind == Kind::Unsigned ? std::to_string(huge_integer) : std::to_string(integer); }
};

class RequestFields final : public nlohmann::json_sax<nlohmann::json> {
 public:
  // True once a whole top-level object has been read.
  bool complete() const { return complete_; }
  const FieldValue& at(Field field) const { return values_[static_cast<std::size_t>(field)]; }

  bool null() override { return other(); }
  bool boolean(bool) override { return other(); }
  bool number_integer(number_integer_t value) override {
    if (FieldValue* target = value_target()) {
      target->kind = FieldValue::Kind::Integer;
      target->integer = value;
    }
    return depth_ > 0;
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (FieldValue* target = value_target()) {
      const bool fits = value <= static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max());
      target->kind = fits ? FieldValue::Kind::Integer : FieldValue::Kind::Unsigned;
      target->integer = fits ? static_cast<std::int64_t>(value) : 0;
      target->huge_integer = value;
    }
    return depth_ > 0;
  }
  bool number_float(number_float_t, const string_t&) override { return other(); }
  bool string(string_t& value) override {
    if (FieldValue* target = value_target()) {
      target->kind = FieldValue::Kind::Text;
      target->text = std::move(value);
    }
    return depth_ > 0;
  }
  bool binary(binary_t&) override { return other(); }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return depth_ > 0 && open(); }  // a top-level array is not a request
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1) {
      current_ = nullptr;
      for (std::size_t index = 0; index < kFieldNames.size(); ++index) {
        if (name == kFieldNames[index]) current_ = &values_[index];
      }
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  // The field a value read now belongs to: only values directly inside the top-level object.
  FieldValue* value_target() {
    FieldValue* target = depth_ == 1 ? current_ : nullptr;
    if (depth_ == 1) current_ = nullptr;
    return target;
  }
  bool other() {
    if (FieldValue* target = value_target()) target->kind = FieldValue::Kind::Other;
    return depth_ > 0;  // a top-level scalar is not a request
  }
  bool open() {
    if (depth_ == 1 && current_ != nullptr) other();  // a known field holding an object or array
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 0) complete_ = true;
    return true;
  }

  std::array<FieldValue, kFieldNames.size()> values_;
  FieldValue* current_ = nullptr;
  int depth_ = 0;
  bool complete_ = false;
};

}  // namespace

std::string encode_request(const ports::DeliveryRequest& request) { return request_fields(request) + '}'; }

std::variant<ports::DeliveryRequest, std::string> decode_request(const ports::ReceivedRecord& record) {
  RequestFields fields;
  if (!nlohmann::json::sax_parse(record.payload, &fields) || !fields.complete()) return std::string("not a JSON object");
  const FieldValue& version = fields.at(Field::SchemaVersion);
  if (!version.is_integer()) return std::string("missing schema_version");
  if (!version.fits_in_int() || version.integer != kSchemaVersion) {
    return "schema_version " + version.digits() + " is not supported (this build reads " + std::to_string(kSchemaVersion) + ")";
  }
  for (Field field : {Field::AttemptId, Field::Month, Field::Channel}) {
    if (fields.at(field).kind != FieldValue::Kind::Text) {
      return std::string("field ") + kFieldNames[static_cast<std::size_t>(field)] + " is missing or not a string";
    }
  }
  for (Field field : {Field::UserId, Field::Round, Field::PolicyVersion}) {
    if (!fields.at(field).is_integer()) {
      return std::string("field ") + kFieldNames[static_cast<std::size_t>(field)] + " is missing or not an integer";
    }
  }
  ports::DeliveryRequest request;
  auto month = domain::YearMonth::parse(fields.at(Field::Month).text);
  if (!month) return std::string("field month is not YYYY-MM");
  request.month = *month;
  auto channel = domain::parse_channel(fields.at(Field::Channel).text);
  if (!channel) return std::string("field channel is not EMAIL, SMS or KAKAO");
  request.channel = *channel;
  const FieldValue& user_id = fields.at(Field::UserId);
  const FieldValue& round = fields.at(Field::Round);
  const FieldValue& policy_version = fields.at(Field::PolicyVersion);
  if (!user_id.fits_in_int64() || user_id.integer <= 0 || !round.fits_in_int() || round.integer < 0 ||
      !policy_version.fits_in_int() || policy_version.integer <= 0) {
    return std::string("user_id, round or policy_version out of range");
  }
  request.user_id = user_id.integer;
  request.round = static_cast<int>(round.integer);
  request.policy_version = static_cast<int>(policy_version.integer);
  if (fields.at(Field::AttemptId).text != request.attempt_id()) {
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
