// Owning wrappers for libcurl handles, and process-wide libcurl initialisation.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace tr1l::adapters::s3 {

struct EasyHandleDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct MultiHandleDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using EasyHandle = std::unique_ptr<CURL, EasyHandleDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiHandleDeleter>;
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

// curl_global_init is not thread-safe in curl 7.88; this runs it exactly once. Throws
// std::runtime_error if libcurl cannot initialise.
void ensure_curl_initialised();

}  // namespace tr1l::adapters::s3
