// What both SQL backends share about the dispatch and delivery tables: how channels, channel
// lists and policy states are stored as text, which outcomes may be written, and the
// PolicyConflict messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/dispatch_policy.h"
#include "ports/delivery_store.h"

namespace tr1l::adapters::sql {

// Stored text back to values; a value no TR1L version writes throws ports::DatabaseError.
domain::Channel stored_channel(std::string_view text);
domain::DispatchPolicy stored_policy(std::int64_t version, std::string_view channels, std::string_view state);

// "EMAIL,SMS,KAKAO" for the channels column. Throws domain::PolicyError for an empty list or a
// channel listed twice, so no such policy is ever stored.
std::string channel_list_to_store(const std::vector<domain::Channel>& channels);

// Policy timestamps are the process's wall clock: policy changes are operator actions, not part
// of a job's (possibly simulated) day, and the PolicyStore calls carry no time.
std::int64_t policy_clock_seconds();

// Throws std::invalid_argument, naming the attempt, for an outcome that contradicts itself:
// attempt SENT with a target that is not SENT, a FAILED or UNKNOWN attempt with a target that is
// neither RETRY nor EXHAUSTED, a RETRY to a round that is not after the attempt's, or an unknown
// status. Checked before anything is written, so a batch is stored whole or not at all.
void check_outcome(const ports::AttemptOutcome& outcome);

// `state` is the policy's current state, nullopt when no such version exists.
ports::PolicyConflict cannot_activate(int version, std::optional<domain::PolicyState> state);
ports::PolicyConflict cannot_retire(int version, std::optional<domain::PolicyState> state);
ports::PolicyConflict no_active_policy(const std::vector<domain::DispatchPolicy>& policies);

}  // namespace tr1l::adapters::sql
