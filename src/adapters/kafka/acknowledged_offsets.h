// The acknowledgement state of one partition's records handed out by a consumer: which are still
// being processed, and the position the group may commit — the offset after the longest prefix of
// acknowledged records. Acknowledgements may come in any order; a record acknowledged past an
// unacknowledged one only counts once everything before it is acknowledged too, so a crash never
// skips a record that was not processed. Not thread-safe (the consumer guards it).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace tr1l::adapters::kafka {

class AcknowledgedOffsets {
 public:
  // A record handed out. Offsets grow within a partition; one at or below the last handed out (a
  // repeat) is not tracked again.
  void delivered(std::int64_t offset);
  // Returns false when the offset is not awaiting acknowledgement (never handed out, already
  // acknowledged, or below the committable position).
  bool acknowledge(std::int64_t offset);

  // The offset to commit (the next record to process); nullopt before the first delivery.
  std::optional<std::int64_t> committable() const;
  // True when the committable position moved past where this consumer started.
  bool moved() const { return started_ >= 0 && committable_ > started_; }
  // True when the committable position differs from the last one marked committed.
  bool changed_since_commit() const { return moved() && committable_ != committed_; }
  void mark_committed(std::int64_t offset) { committed_ = offset; }
  // A commit of `offset` failed: the next periodic commit tries again.
  void mark_commit_failed(std::int64_t offset);

  std::size_t outstanding() const { return outstanding_; }

 private:
  struct Record {
    std::int64_t offset;
    bool acknowledged;
  };
  std::deque<Record> pending_;  // handed out, in offset order, starting with the first unacknowledged
  std::size_t outstanding_ = 0;  // unacknowledged records in pending_
  std::int64_t started_ = -1;    // the first offset handed out
  std::int64_t committable_ = -1;
  std::int64_t committed_ = -1;
};

}  // namespace tr1l::adapters::kafka
