#include "adapters/s3/curl_handles.h"

#include <stdexcept>
#include <string>

namespace tr1l::adapters::s3 {

void ensure_curl_initialised() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl initialisation failed: ") + curl_easy_strerror(result));
  }
}

}  // namespace tr1l::adapters::s3
