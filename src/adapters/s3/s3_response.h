// What an S3 error response says, and whether the request is worth repeating. S3 answers a
// failed request with an XML body such as
//   <Error><Code>AccessDenied</Code><Message>Access Denied.</Message>...</Error>
// Only Code and Message are taken: AWS also echoes StringToSign and SignatureProvided there, which
// must not reach logs.
#pragma once

#include <string>
#include <string_view>

namespace tr1l::adapters::s3 {

struct S3ErrorDetails {
  std::string code;     // "" when the body is not an S3 error document
  std::string message;  // "" likewise
};

S3ErrorDetails parse_s3_error(std::string_view body);

// Server throttling and transient failures: 5xx except 501, 429, and the codes S3 documents as
// "retry" (SlowDown, RequestTimeout, InternalError, ServiceUnavailable) whatever their status.
bool is_retryable_response(long http_status, std::string_view error_code);

}  // namespace tr1l::adapters::s3
