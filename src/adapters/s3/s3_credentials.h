// AWS credentials for signing S3 requests, found the way the AWS CLI and SDKs find them:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN;
//   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), section
//      [PROFILE] where PROFILE is AWS_PROFILE or "default".
// Container and instance-metadata credentials are not supported.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace tr1l::adapters::s3 {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty for long-term keys
  std::string source;         // where they came from, for logs: "environment" or "FILE [profile]"
};

// Looks up an environment variable; nullopt when unset. Tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

std::optional<std::string> process_environment(const std::string& name);

// Throws S3ConfigurationError when nothing is found or a source is half-configured (say an access
// key without its secret). Messages name variables, files, profiles and line numbers, never values.
S3Credentials resolve_aws_credentials(const EnvironmentLookup& environment = process_environment);

}  // namespace tr1l::adapters::s3
