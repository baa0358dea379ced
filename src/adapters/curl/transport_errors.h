// Which libcurl failures below HTTP deserve another try, shared by every adapter that retries
// (S3 uploads, the SMS/KakaoTalk gateway).
#pragma once

#include <curl/curl.h>

namespace tr1l::adapters::curl {

// Refused or reset connections, timeouts, a server that closed mid-response: a new attempt may
// well not see them. TLS verification failures, bad URLs and the like are not retried.
bool is_retryable_transport_error(CURLcode code);

}  // namespace tr1l::adapters::curl
