// One delivery channel (SPEC §6): e-mail over SMTP, SMS and KakaoTalk through an HTTP gateway,
// or the file outboxes of the embedded default. Adding a channel backend means adding one
// implementation of this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "domain/dispatch_policy.h"

namespace tr1l::ports {

struct OutgoingMessage {
  domain::Channel channel = domain::Channel::Email;
  std::string month;  // billing month "YYYY-MM"
  std::int64_t user_id = 0;
  int round = 0;
  std::string attempt_id;          // domain::AttemptKey text; the gateway's idempotency key
  std::string destination;         // plaintext address or phone number: never log it
  std::string masked_destination;  // for logs and outbox records
  std::string subject;             // e-mail only
  // The verified document as stored. E-mail: the invoice HTML, gzip-compressed; a sender that
  // puts it on the wire decompresses it (common/gzip.h), one that does not never pays for it.
  // SMS / KakaoTalk: the text.
  std::string body;
};

struct SendResult {
  bool sent = false;
  std::string error;  // why not: "SMTP 550 mailbox unavailable", "gateway 503 after 4 tries"
};

class ChannelSender {
 public:
  virtual ~ChannelSender() = default;
  virtual std::string_view name() const = 0;  // "smtp", "http-gateway", "outbox", ...
  // Sends one message and says whether the channel accepted it. Called from many threads at
  // once. Never throws for a refused message; a timeout is a failure.
  virtual SendResult send(const OutgoingMessage& message) = 0;
};

}  // namespace tr1l::ports
