// The channels of the embedded default: instead of sending, append one JSON line per successful
// send to TR1L_HOME/outbox/<channel>.jsonl ({"user_id", "month", "round", "channel",
// "attempt_id", "to" (masked), "bytes", "sent_at"}) and, for e-mail, write the message as an .eml
// file under outbox/email/<month>/<user_id>-r<round>.eml. Several processes may append at once.
#pragma once

#include <filesystem>
#include <mutex>

#include "common/posix_file.h"
#include "ports/channel_sender.h"

namespace tr1l::adapters {

class OutboxSender final : public ports::ChannelSender {
 public:
  OutboxSender(std::filesystem::path directory, domain::Channel channel);
  std::string_view name() const override { return "outbox"; }
  ports::SendResult send(const ports::OutgoingMessage& message) override;

  static std::filesystem::path journal_path(const std::filesystem::path& directory, domain::Channel channel);

 private:
  void write_email_file(const ports::OutgoingMessage& message, const std::string& html);

  std::filesystem::path directory_;
  domain::Channel channel_;
  FileDescriptor journal_;
};

}  // namespace tr1l::adapters
