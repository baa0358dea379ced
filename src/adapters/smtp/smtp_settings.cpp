#include "adapters/smtp/smtp_settings.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "common/url_query.h"
#include "domain/contact.h"

namespace tr1l::adapters::smtp {
namespace {

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool is_header_safe(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char character) {
    const auto byte = static_cast<unsigned char>(character);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool is_hostname_character(char character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
         (character >= '0' && character <= '9') || character == '-' || character == '.';
}

}  // namespace

SmtpSettings parse_smtp_settings(std::string_view url) {
  SmtpSettings settings;
  if (url.starts_with("smtps://")) {
    settings.implicit_tls = true;
  } else if (!url.starts_with("smtp://")) {
    throw SmtpConfigurationError("SMTP URL must start with smtp:// or smtps://");
  }
  SplitUrl split;
  try {
    split = split_url(url);
  } catch (const UrlQueryError& error) {
    throw SmtpConfigurationError(std::string("SMTP ") + error.what());
  }
  const std::string_view base = split.base;
  const std::size_t authority_start = base.find("://") + 3;
  const std::string_view rest = base.substr(authority_start);
  const std::size_t path_start = std::min(rest.find('/'), rest.size());
  const std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    throw SmtpConfigurationError("SMTP URL must not hold credentials; set TR1L_SMTP_USERNAME and TR1L_SMTP_PASSWORD");
  }
  if (authority.empty() || authority_host(authority).empty()) throw SmtpConfigurationError("SMTP URL has no host");
  if (rest.substr(path_start).find_first_not_of('/') != std::string_view::npos) {
    throw SmtpConfigurationError("SMTP URL must not have a path; use helo= for the EHLO domain");
  }
  settings.server_url = std::string(base.substr(0, authority_start)) + std::string(authority);
  settings.loopback = is_loopback_host(authority_host(authority));

  std::string helo;
  for (const auto& [name, value] : split.parameters) {
    if (name == "from") {
      domain::ContactProblem problem;
      const auto address = domain::normalise_email(value, &problem);
      if (!address) throw SmtpConfigurationError("SMTP URL: from is not a valid address: " + problem.reason);
      settings.from_address = *address;
    } else if (name == "from_name") {
      if (!is_header_safe(value)) throw SmtpConfigurationError("SMTP URL: from_name has a control character");
      settings.from_display_name = value;
    } else if (name == "starttls") {
      if (value == "required") {
        settings.starttls = StartTls::required;
      } else if (value == "optional") {
        settings.starttls = StartTls::optional;
      } else if (value == "off") {
        settings.starttls = StartTls::off;
      } else {
        throw SmtpConfigurationError("SMTP URL: starttls must be required, optional or off");
      }
    } else if (name == "timeout") {
      int seconds = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (error != std::errc() || end != value.data() + value.size() || seconds < 1 || seconds > 3600) {
        throw SmtpConfigurationError("SMTP URL: timeout must be whole seconds from 1 to 3600");
      }
      settings.timeout = std::chrono::seconds(seconds);
    } else if (name == "ca_file") {
      if (value.empty()) throw SmtpConfigurationError("SMTP URL: ca_file is empty");
      settings.ca_file = value;
    } else if (name == "helo") {
      if (value.empty() || !std::all_of(value.begin(), value.end(), is_hostname_character)) {
        throw SmtpConfigurationError("SMTP URL: helo must be a domain name");
      }
      helo = value;
    } else {
      throw SmtpConfigurationError("SMTP URL: unknown parameter " + name);
    }
  }
  if (settings.from_address.empty()) throw SmtpConfigurationError("SMTP URL: from=<sender address> is required");
  // libcurl takes the EHLO domain from the URL path.
  if (!helo.empty()) settings.server_url += "/" + helo;
  return settings;
}

SmtpCredentials smtp_credentials_from_environment() {
  return {environment_variable("TR1L_SMTP_USERNAME"), environment_variable("TR1L_SMTP_PASSWORD")};
}

void check_credentials_allowed(const SmtpSettings& settings, const SmtpCredentials& credentials) {
  if (credentials.username.empty() && credentials.password.empty()) return;
  if (credentials.username.empty() || credentials.password.empty()) {
    throw SmtpConfigurationError("SMTP: set both TR1L_SMTP_USERNAME and TR1L_SMTP_PASSWORD, or neither");
  }
  if (!settings.tls_guaranteed() && !settings.loopback) {
    throw SmtpConfigurationError(
        "SMTP: credentials are only sent over TLS; use smtps:// or starttls=required (or a loopback server)");
  }
}

}  // namespace tr1l::adapters::smtp
