#include "adapters/kafka/acknowledged_offsets.h"

#include <gtest/gtest.h>

namespace tr1l::adapters::kafka {
namespace {

TEST(AcknowledgedOffsets, NothingToCommitBeforeTheFirstRecordOrItsAcknowledgement) {
  AcknowledgedOffsets offsets;
  EXPECT_FALSE(offsets.committable());
  offsets.delivered(40);
  EXPECT_EQ(offsets.committable(), 40);
  EXPECT_FALSE(offsets.moved());
  EXPECT_FALSE(offsets.changed_since_commit());
}

TEST(AcknowledgedOffsets, MovesOnlyPastTheAcknowledgedPrefix) {
  AcknowledgedOffsets offsets;
  for (std::int64_t offset = 0; offset < 4; ++offset) offsets.delivered(offset);
  EXPECT_TRUE(offsets.acknowledge(3));
  EXPECT_TRUE(offsets.acknowledge(1));
  EXPECT_EQ(offsets.committable(), 0);  // 0 is still being processed
  EXPECT_TRUE(offsets.acknowledge(0));
  EXPECT_EQ(offsets.committable(), 2);  // 0 and 1 done; 2 is not
  EXPECT_EQ(offsets.outstanding(), 1u);
  EXPECT_TRUE(offsets.acknowledge(2));
  EXPECT_EQ(offsets.committable(), 4);
  EXPECT_EQ(offsets.outstanding(), 0u);
}

TEST(AcknowledgedOffsets, IgnoresUnknownRepeatedAndStaleAcknowledgements) {
  AcknowledgedOffsets offsets;
  offsets.delivered(10);
  offsets.delivered(11);
  EXPECT_FALSE(offsets.acknowledge(12));  // never handed out
  EXPECT_FALSE(offsets.acknowledge(9));   // before this consumer's start
  EXPECT_TRUE(offsets.acknowledge(10));
  EXPECT_FALSE(offsets.acknowledge(10));  // already past the committable position
  EXPECT_TRUE(offsets.acknowledge(11));
  EXPECT_FALSE(offsets.acknowledge(11));
  EXPECT_EQ(offsets.committable(), 12);
}

TEST(AcknowledgedOffsets, RepeatedDeliveriesAreTrackedOnce) {
  AcknowledgedOffsets offsets;
  offsets.delivered(5);
  offsets.delivered(6);
  offsets.delivered(6);
  offsets.delivered(5);
  EXPECT_EQ(offsets.outstanding(), 2u);
  offsets.acknowledge(5);
  offsets.delivered(5);  // below the committable position
  EXPECT_EQ(offsets.outstanding(), 1u);
}

TEST(AcknowledgedOffsets, GapsBetweenRecordsCloseWithTheRecordAfterThem) {
  AcknowledgedOffsets offsets;
  offsets.delivered(0);
  offsets.delivered(7);  // 1..6 were compacted away
  offsets.acknowledge(0);
  EXPECT_EQ(offsets.committable(), 1);
  offsets.acknowledge(7);
  EXPECT_EQ(offsets.committable(), 8);
}

TEST(AcknowledgedOffsets, TracksWhatWasCommittedAndRetriesAFailedCommit) {
  AcknowledgedOffsets offsets;
  offsets.delivered(0);
  offsets.delivered(1);
  offsets.acknowledge(0);
  EXPECT_TRUE(offsets.changed_since_commit());
  offsets.mark_committed(1);
  EXPECT_FALSE(offsets.changed_since_commit());
  EXPECT_TRUE(offsets.moved());
  offsets.mark_commit_failed(1);
  EXPECT_TRUE(offsets.changed_since_commit());
  offsets.mark_committed(1);
  offsets.mark_commit_failed(0);  // an older commit's failure changes nothing
  EXPECT_FALSE(offsets.changed_since_commit());
}

TEST(AcknowledgedOffsets, HandlesManyOutOfOrderAcknowledgements) {
  AcknowledgedOffsets offsets;
  constexpr std::int64_t count = 100'000;
  for (std::int64_t offset = 0; offset < count; ++offset) offsets.delivered(offset);
  for (std::int64_t offset = count - 1; offset > 0; --offset) offsets.acknowledge(offset);
  EXPECT_EQ(offsets.committable(), 0);
  offsets.acknowledge(0);
  EXPECT_EQ(offsets.committable(), count);
}

}  // namespace
}  // namespace tr1l::adapters::kafka
