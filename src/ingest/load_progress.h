// How long-running loads (seed, import) tell the caller how far they are, so a terminal can show
// progress without the loaders knowing anything about terminals.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace tr1l::ingest {

struct LoadProgress {
  std::string_view phase;  // "seed", or the file being imported ("customers.csv", ...)
  std::int64_t done = 0;   // customers (seed) or records read (import) so far in this phase
  std::int64_t total = 0;  // expected in this phase; 0 when unknown (an import streams its files)
};

// Called on the caller's thread after each flushed batch and at the end of each phase.
// An empty function is allowed and means "no progress wanted".
using ProgressCallback = std::function<void(const LoadProgress&)>;

}  // namespace tr1l::ingest
