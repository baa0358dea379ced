// Where and how e-mail is sent, parsed from the SMTP channel URL
//
//   smtp://127.0.0.1:2525?from=billing@tr1l.example&starttls=required&timeout=30
//   smtps://mail.example.com:465?from=billing@tr1l.example&from_name=TR1L%20청구서
//
// Parameters: from (required), from_name (display name, UTF-8), starttls=required|optional|off
// (default required; smtps:// is TLS from the first byte and ignores it), timeout (seconds per
// message, default 30), ca_file (PEM bundle to verify the server against instead of the system's),
// helo (the domain to announce in EHLO). The credentials are never in the URL: they come from
// TR1L_SMTP_USERNAME / TR1L_SMTP_PASSWORD, and are only sent over TLS unless the server is on
// loopback.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tr1l::adapters::smtp {

// The configuration is unusable; the message never repeats a secret.
class SmtpConfigurationError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class StartTls { required, optional, off };

struct SmtpSettings {
  std::string server_url;  // "smtp://host:port" or "smtps://host:port", plus "/helo-domain" when set
  std::string from_address;
  std::string from_display_name;
  StartTls starttls = StartTls::required;
  std::chrono::seconds timeout{30};
  std::string ca_file;
  bool implicit_tls = false;  // smtps://
  bool loopback = false;      // the server is 127.0.0.0/8, ::1 or localhost

  // TLS protects the whole session whatever the server offers.
  bool tls_guaranteed() const { return implicit_tls || starttls == StartTls::required; }
};

struct SmtpCredentials {
  std::string username;  // empty: no AUTH
  std::string password;
};

// Throws SmtpConfigurationError naming what is wrong (unknown parameter, missing from, user info
// in the URL, ...).
SmtpSettings parse_smtp_settings(std::string_view url);

// TR1L_SMTP_USERNAME and TR1L_SMTP_PASSWORD; both empty when unset.
SmtpCredentials smtp_credentials_from_environment();

// Throws SmtpConfigurationError when credentials would cross the network in clear text (no TLS
// guaranteed and the server is not on loopback), or only one of username and password is set.
void check_credentials_allowed(const SmtpSettings& settings, const SmtpCredentials& credentials);

}  // namespace tr1l::adapters::smtp
