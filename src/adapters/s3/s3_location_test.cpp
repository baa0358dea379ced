// S3 configuration without a server: the s3:// URL, credentials from the environment and the
// shared credentials file, key encoding, error-body parsing and which failures are retried.
#include "adapters/s3/s3_location.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "adapters/s3/s3_credentials.h"
#include "adapters/s3/s3_response.h"
#include "support/subprocess.h"

namespace tr1l::adapters::s3 {
namespace {

TEST(S3LocationParse, PathStyleWithEndpoint) {
  const S3Location location =
      parse_s3_location("s3://tr1l-invoices?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=1");
  EXPECT_EQ(location, (S3Location{"tr1l-invoices", "http://127.0.0.1:9000", "us-east-1", true}));
  EXPECT_EQ(object_url(location, "2026-10/12345/email/bill.gz"),
            "http://127.0.0.1:9000/tr1l-invoices/2026-10/12345/email/bill.gz");
  EXPECT_EQ(object_display_name(location, "2026-10/a b"), "s3://tr1l-invoices/2026-10/a b");
}

TEST(S3LocationParse, AwsDefaultsToVirtualHostStyle) {
  const S3Location location = parse_s3_location("s3://tr1l-invoices?region=ap-northeast-2");
  EXPECT_EQ(location.endpoint, "https://s3.ap-northeast-2.amazonaws.com");
  EXPECT_FALSE(location.path_style);
  EXPECT_EQ(object_url(location, "2026-10/1/sms/bill.txt"),
            "https://tr1l-invoices.s3.ap-northeast-2.amazonaws.com/2026-10/1/sms/bill.txt");
  EXPECT_EQ(parse_s3_location("s3://tr1l-invoices/").region, "us-east-1");
}

TEST(S3LocationParse, ExplicitStyleOverridesTheDefault) {
  const S3Location virtual_host =
      parse_s3_location("s3://my.bucket-1?endpoint=https://minio.internal:9000/&path_style=0");
  EXPECT_EQ(virtual_host.endpoint, "https://minio.internal:9000");
  EXPECT_EQ(object_url(virtual_host, "k"), "https://my.bucket-1.minio.internal:9000/k");
  EXPECT_TRUE(parse_s3_location("s3://tr1l-invoices?path_style=true").path_style);
  EXPECT_EQ(object_url(parse_s3_location("s3://tr1l-invoices?path_style=1&region=eu-west-1"), "k"),
            "https://s3.eu-west-1.amazonaws.com/tr1l-invoices/k");
}

TEST(S3LocationParse, PercentEncodedEndpoint) {
  EXPECT_EQ(parse_s3_location("s3://tr1l-invoices?endpoint=http%3A%2F%2F127.0.0.1%3A9000").endpoint,
            "http://127.0.0.1:9000");
}

TEST(S3LocationParse, RejectsBadUrls) {
  for (const char* url : {"http://bucket", "s3://", "s3://ab", "s3://Upper-Case", "s3://bucket_underscore",
                          "s3://-starts-with-dash", "s3://tr1l-invoices/prefix", "s3://tr1l-invoices?endpoint=ftp://x",
                          "s3://tr1l-invoices?endpoint=http://", "s3://tr1l-invoices?endpoint=http://h/path",
                          "s3://tr1l-invoices?endpoint=http://user:pw@h", "s3://tr1l-invoices?path_style=yes",
                          "s3://tr1l-invoices?regoin=us-east-1", "s3://tr1l-invoices?region=",
                          "s3://tr1l-invoices?endpoint=http%3"}) {
    EXPECT_THROW(parse_s3_location(url), S3ConfigurationError) << url;
  }
}

TEST(S3LocationParse, ErrorsNameTheProblem) {
  try {
    parse_s3_location("s3://tr1l-invoices?regoin=us-east-1");
    FAIL() << "expected S3ConfigurationError";
  } catch (const S3ConfigurationError& error) {
    EXPECT_NE(std::string(error.what()).find("unknown parameter 'regoin'"), std::string::npos) << error.what();
  }
}

TEST(S3KeyEncoding, KeepsUnreservedAndSlashEncodesEverythingElse) {
  EXPECT_EQ(encode_object_key("2026-10/12345/email/bill.gz"), "2026-10/12345/email/bill.gz");
  EXPECT_EQ(encode_object_key("a b"), "a%20b");
  EXPECT_EQ(encode_object_key("a+b"), "a%2Bb");
  EXPECT_EQ(encode_object_key("청구서/한글.txt"), "%EC%B2%AD%EA%B5%AC%EC%84%9C/%ED%95%9C%EA%B8%80.txt");
  EXPECT_EQ(encode_object_key("~_-.AZaz09"), "~_-.AZaz09");
  EXPECT_EQ(encode_object_key("$&=?#%:@,;'!*()"), "%24%26%3D%3F%23%25%3A%40%2C%3B%27%21%2A%28%29");
}

// An environment made of a map, so tests never touch the process environment.
EnvironmentLookup environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

class S3CredentialsResolve : public ::testing::Test {
 protected:
  std::filesystem::path write_file(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = directory_.path() / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }

  static std::string message_of(const EnvironmentLookup& environment) {
    try {
      resolve_aws_credentials(environment);
    } catch (const S3ConfigurationError& error) {
      return error.what();
    }
    ADD_FAILURE() << "expected S3ConfigurationError";
    return {};
  }

  testing::TemporaryDirectory directory_;
};

constexpr const char* credentials_file_text = R"(# shared credentials
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default/secret+key

; another profile
[billing]
AWS_ACCESS_KEY_ID=AKIDBILLING
aws_secret_access_key =  billing-secret
aws_session_token = billing-token

[incomplete]
aws_access_key_id = AKIDONLY
)";

TEST_F(S3CredentialsResolve, EnvironmentComesFirst) {
  const auto path = write_file("credentials", credentials_file_text);
  const S3Credentials credentials = resolve_aws_credentials(
      environment_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                      {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                      {"AWS_SESSION_TOKEN", "env-token"},
                      {"AWS_SHARED_CREDENTIALS_FILE", path.string()}}));
  EXPECT_EQ(credentials.access_key, "AKIDENV");
  EXPECT_EQ(credentials.secret_key, "env-secret");
  EXPECT_EQ(credentials.session_token, "env-token");
  EXPECT_EQ(credentials.source, "environment");
}

TEST_F(S3CredentialsResolve, EnvironmentWithoutSessionToken) {
  const S3Credentials credentials =
      resolve_aws_credentials(environment_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}}));
  EXPECT_EQ(credentials.session_token, "");
}

TEST_F(S3CredentialsResolve, HalfConfiguredEnvironmentIsAnErrorWithoutTheValue) {
  const std::string message = message_of(environment_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}));
  EXPECT_NE(message.find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos) << message;
  EXPECT_EQ(message.find("AKIDENV"), std::string::npos) << message;
  EXPECT_NE(message_of(environment_of({{"AWS_SECRET_ACCESS_KEY", "lonely-secret"}})).find("AWS_ACCESS_KEY_ID is not"),
            std::string::npos);
}

TEST_F(S3CredentialsResolve, DefaultProfileFromExplicitFile) {
  const auto path = write_file("elsewhere/creds.ini", credentials_file_text);
  const S3Credentials credentials =
      resolve_aws_credentials(environment_of({{"AWS_SHARED_CREDENTIALS_FILE", path.string()}, {"HOME", "/nonexistent"}}));
  EXPECT_EQ(credentials.access_key, "AKIDDEFAULT");
  EXPECT_EQ(credentials.secret_key, "default/secret+key");
  EXPECT_EQ(credentials.session_token, "");
  EXPECT_EQ(credentials.source, path.string() + " [default]");
}

TEST_F(S3CredentialsResolve, NamedProfileFromHomeDirectory) {
  write_file(".aws/credentials", credentials_file_text);
  const S3Credentials credentials = resolve_aws_credentials(
      environment_of({{"HOME", directory_.path().string()}, {"AWS_PROFILE", "billing"}, {"AWS_ACCESS_KEY_ID", ""}}));
  EXPECT_EQ(credentials.access_key, "AKIDBILLING");  // names are case-insensitive
  EXPECT_EQ(credentials.secret_key, "billing-secret");
  EXPECT_EQ(credentials.session_token, "billing-token");
}

TEST_F(S3CredentialsResolve, MissingOrIncompleteProfileIsNamed) {
  const auto path = write_file("credentials", credentials_file_text);
  const std::string missing =
      message_of(environment_of({{"AWS_SHARED_CREDENTIALS_FILE", path.string()}, {"AWS_PROFILE", "nosuch"}}));
  EXPECT_NE(missing.find("no [nosuch] profile"), std::string::npos) << missing;
  const std::string incomplete =
      message_of(environment_of({{"AWS_SHARED_CREDENTIALS_FILE", path.string()}, {"AWS_PROFILE", "incomplete"}}));
  EXPECT_NE(incomplete.find("[incomplete]"), std::string::npos) << incomplete;
  EXPECT_EQ(incomplete.find("AKIDONLY"), std::string::npos) << incomplete;
}

TEST_F(S3CredentialsResolve, NothingConfigured) {
  EXPECT_NE(message_of(environment_of({{"HOME", directory_.path().string()}})).find("AWS credentials not found"),
            std::string::npos);
  EXPECT_NE(message_of(environment_of({{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds"}})).find("does not exist"),
            std::string::npos);
}

TEST_F(S3CredentialsResolve, MalformedLineIsReportedByNumberNotContent) {
  const auto path = write_file("credentials", "[default]\naws_access_key_id = AKID\nwJalrXUtnFEMIpastedSecret\n");
  const std::string message = message_of(environment_of({{"AWS_SHARED_CREDENTIALS_FILE", path.string()}}));
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  EXPECT_EQ(message.find("pastedSecret"), std::string::npos) << message;
}

TEST(S3ErrorBody, ParsesCodeAndMessageOnly) {
  const S3ErrorDetails details = parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match &amp; so on</Message><StringToSign>AWS4-HMAC-SHA256...</StringToSign>"
      "<SignatureProvided>abcdef</SignatureProvided></Error>");
  EXPECT_EQ(details.code, "SignatureDoesNotMatch");
  EXPECT_EQ(details.message, "The request signature we calculated does not match & so on");
  EXPECT_EQ(parse_s3_error("").code, "");
  EXPECT_EQ(parse_s3_error("<html>502 Bad Gateway</html>").code, "");
}

TEST(S3ErrorBody, RetryPolicy) {
  EXPECT_TRUE(is_retryable_response(500, "InternalError"));
  EXPECT_TRUE(is_retryable_response(503, "SlowDown"));
  EXPECT_TRUE(is_retryable_response(502, ""));
  EXPECT_TRUE(is_retryable_response(429, ""));
  EXPECT_TRUE(is_retryable_response(400, "RequestTimeout"));
  EXPECT_FALSE(is_retryable_response(501, "NotImplemented"));
  EXPECT_FALSE(is_retryable_response(403, "AccessDenied"));
  EXPECT_FALSE(is_retryable_response(403, "SignatureDoesNotMatch"));
  EXPECT_FALSE(is_retryable_response(404, "NoSuchKey"));
  EXPECT_FALSE(is_retryable_response(400, "XAmzContentSHA256Mismatch"));
}

}  // namespace
}  // namespace tr1l::adapters::s3
