// The records dispatch and delivery exchange on the bus (JSON, identifiers only — SPEC §6):
//
//   request      {"schema_version":1,"attempt_id":"2026-10/12345/0","month":"2026-10",
//                 "user_id":12345,"round":0,"channel":"EMAIL","policy_version":1}
//   result       the request's fields plus "outcome" (SENT/FAILED/UNKNOWN), "target_status"
//   dead letter  {"schema_version":1,"reason":"…","source":{"partition":3,"offset":17},
//                 "key":"12345","payload":"<the original record, at most 1 KiB>"}
//
// Every record is keyed by the user id, so one customer's records stay in order.
#pragma once

#include <string>
#include <variant>

#include "ports/bus.h"
#include "ports/delivery_store.h"

namespace tr1l::dispatch {

inline constexpr int kSchemaVersion = 1;

std::string encode_request(const ports::DeliveryRequest& request);

// The request, or why the record cannot be one (the dead letter's reason): not JSON, another
// schema version, a missing or ill-typed field, an attempt id that disagrees with the fields,
// a key that is not the user id.
std::variant<ports::DeliveryRequest, std::string> decode_request(const ports::ReceivedRecord& record);

std::string encode_result(const ports::AttemptOutcome& outcome);
std::string encode_dead_letter(const ports::ReceivedRecord& record, const std::string& reason);

inline std::string record_key(const ports::DeliveryRequest& request) { return std::to_string(request.user_id); }

}  // namespace tr1l::dispatch
