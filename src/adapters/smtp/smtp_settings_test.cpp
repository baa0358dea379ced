// The SMTP channel URL and the rules for credentials, without a server.
#include "adapters/smtp/smtp_settings.h"

#include <gtest/gtest.h>

namespace tr1l::adapters::smtp {
namespace {

using namespace std::chrono_literals;

TEST(SmtpSettings, ParsesEveryParameter) {
  const SmtpSettings settings = parse_smtp_settings(
      "smtp://mail.example.com:587?from=Billing@TR1L.example&from_name=TR1L%20%EC%B2%AD%EA%B5%AC%EC%84%9C"
      "&starttls=optional&timeout=12&ca_file=/etc/ssl/ca.pem&helo=billing.tr1l.example");
  EXPECT_EQ(settings.server_url, "smtp://mail.example.com:587/billing.tr1l.example");
  EXPECT_EQ(settings.from_address, "Billing@tr1l.example");
  EXPECT_EQ(settings.from_display_name, "TR1L 청구서");
  EXPECT_EQ(settings.starttls, StartTls::optional);
  EXPECT_EQ(settings.timeout, 12s);
  EXPECT_EQ(settings.ca_file, "/etc/ssl/ca.pem");
  EXPECT_FALSE(settings.implicit_tls);
  EXPECT_FALSE(settings.loopback);
  EXPECT_FALSE(settings.tls_guaranteed());
}

TEST(SmtpSettings, DefaultsAreSafe) {
  const SmtpSettings settings = parse_smtp_settings("smtp://127.0.0.1:2525?from=billing@tr1l.example");
  EXPECT_EQ(settings.server_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(settings.starttls, StartTls::required);
  EXPECT_EQ(settings.timeout, 30s);
  EXPECT_TRUE(settings.loopback);
  EXPECT_TRUE(settings.tls_guaranteed());
  const SmtpSettings smtps = parse_smtp_settings("smtps://mail.example.com?from=billing@tr1l.example&starttls=off");
  EXPECT_TRUE(smtps.implicit_tls);
  EXPECT_TRUE(smtps.tls_guaranteed());
  EXPECT_EQ(smtps.server_url, "smtps://mail.example.com");
}

TEST(SmtpSettings, RejectsBadUrlsWithoutEchoingSecrets) {
  for (const char* url :
       {"http://host?from=a@b.example", "smtp://?from=a@b.example", "smtp://host", "smtp://host?from=not-an-address",
        "smtp://host?from=a@b.example&starttls=maybe", "smtp://host?from=a@b.example&timeout=0",
        "smtp://host?from=a@b.example&timeout=30s", "smtp://host?from=a@b.example&tls=1",
        "smtp://host/path?from=a@b.example", "smtp://host?from=a@b.example&helo=bad%20name",
        "smtp://host?from=a@b.example&from_name=a%0D%0ABcc:%20x", "smtp://host?from=a@b.example&ca_file=",
        "smtp://host?from=a@b.example&timeout=%zz"}) {
    EXPECT_THROW(parse_smtp_settings(url), SmtpConfigurationError) << url;
  }
  try {
    parse_smtp_settings("smtp://user:hunter2-secret@host?from=a@b.example");
    ADD_FAILURE() << "user info accepted";
  } catch (const SmtpConfigurationError& error) {
    EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos) << error.what();
  }
}

TEST(SmtpSettings, CredentialsOnlyOverTlsOrLoopback) {
  const SmtpCredentials credentials{"billing", "hunter2-secret"};
  EXPECT_NO_THROW(check_credentials_allowed(parse_smtp_settings("smtp://mail.example.com?from=a@b.example"), credentials));
  EXPECT_NO_THROW(check_credentials_allowed(parse_smtp_settings("smtps://mail.example.com?from=a@b.example"), credentials));
  EXPECT_NO_THROW(
      check_credentials_allowed(parse_smtp_settings("smtp://127.0.0.1:2525?from=a@b.example&starttls=off"), credentials));
  EXPECT_NO_THROW(
      check_credentials_allowed(parse_smtp_settings("smtp://mail.example.com?from=a@b.example&starttls=off"), {}));
  for (const char* url : {"smtp://mail.example.com?from=a@b.example&starttls=optional",
                          "smtp://mail.example.com?from=a@b.example&starttls=off",
                          "smtp://127.evil.example?from=a@b.example&starttls=off"}) {
    try {
      check_credentials_allowed(parse_smtp_settings(url), credentials);
      ADD_FAILURE() << "credentials allowed in clear text: " << url;
    } catch (const SmtpConfigurationError& error) {
      EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos);
    }
  }
  EXPECT_THROW(check_credentials_allowed(parse_smtp_settings("smtps://h?from=a@b.example"), {"billing", ""}),
               SmtpConfigurationError);
}

}  // namespace
}  // namespace tr1l::adapters::smtp
