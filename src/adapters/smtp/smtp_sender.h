// The production e-mail channel: each message is one SMTP transaction through libcurl
// (smtp:// with STARTTLS, or smtps://), optionally authenticated. Many threads send at once;
// each call borrows an idle curl handle, so connections to the server stay open and are reused
// instead of one handshake per message. A refused recipient, a 4xx/5xx reply, a refused
// connection or a timeout is a failed SendResult ("SMTP 550 ...") that never names the address.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/curl/easy_handle_pool.h"
#include "adapters/smtp/smtp_settings.h"
#include "ports/channel_sender.h"

namespace tr1l::adapters::smtp {

class SmtpSender : public ports::ChannelSender {
 public:
  // Throws SmtpConfigurationError for credentials that would travel in clear text.
  SmtpSender(SmtpSettings settings, SmtpCredentials credentials);

  // Settings from the URL (see smtp_settings.h), credentials from the environment.
  static std::unique_ptr<SmtpSender> open(std::string_view url);

  std::string_view name() const override { return "smtp"; }
  ports::SendResult send(const ports::OutgoingMessage& message) override;

  const SmtpSettings& settings() const { return settings_; }

 private:
  SmtpSettings settings_;
  SmtpCredentials credentials_;
  curl::EasyHandlePool handles_;
};

// The short text/plain alternative to the HTML invoice.
std::string plain_text_alternative(std::string_view subject);

}  // namespace tr1l::adapters::smtp
