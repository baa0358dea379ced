#include "adapters/kafka/acknowledged_offsets.h"

#include <algorithm>

namespace tr1l::adapters::kafka {

void AcknowledgedOffsets::delivered(std::int64_t offset) {
  if (started_ < 0) {
    // Consumption starts at the group's committed position (or the log start), so committing
    // this offset before anything is acknowledged would change nothing.
    started_ = committable_ = committed_ = offset;
  } else if (offset < committable_ || (!pending_.empty() && offset <= pending_.back().offset)) {
    return;
  }
  // A gap (offsets that are not records, such as compacted ones) closes when the record after it
  // is acknowledged.
  pending_.push_back({offset, false});
  ++outstanding_;
}

bool AcknowledgedOffsets::acknowledge(std::int64_t offset) {
  const auto found = std::lower_bound(pending_.begin(), pending_.end(), offset,
                                      [](const Record& record, std::int64_t value) { return record.offset < value; });
  if (found == pending_.end() || found->offset != offset || found->acknowledged) return false;
  found->acknowledged = true;
  --outstanding_;
  while (!pending_.empty() && pending_.front().acknowledged) {
    committable_ = pending_.front().offset + 1;
    pending_.pop_front();
  }
  return true;
}

std::optional<std::int64_t> AcknowledgedOffsets::committable() const {
  if (started_ < 0) return std::nullopt;
  return committable_;
}

void AcknowledgedOffsets::mark_commit_failed(std::int64_t offset) {
  if (committed_ == offset) committed_ = -1;
}

}  // namespace tr1l::adapters::kafka
