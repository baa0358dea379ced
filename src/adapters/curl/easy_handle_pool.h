// Reusable libcurl easy handles for senders that many threads call at once. A handle keeps its
// connections open between transfers, so handing each caller an idle handle (one per concurrent
// caller, in effect one per thread) reuses connections without sharing a handle between threads.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "adapters/s3/curl_handles.h"

namespace tr1l::adapters::curl {

using s3::EasyHandle;

class EasyHandlePool {
 public:
  // A handle on loan: returned to the pool when the lease ends, reset to default options but
  // keeping its open connections.
  class Lease {
   public:
    Lease(EasyHandlePool& pool, EasyHandle handle) : pool_(&pool), handle_(std::move(handle)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    CURL* get() const { return handle_.get(); }

   private:
    EasyHandlePool* pool_;
    EasyHandle handle_;
  };

  // At most max_idle handles (and their connections) are kept between calls; more concurrent
  // callers still get handles, which are closed when returned. Throws std::runtime_error if
  // libcurl cannot initialise.
  explicit EasyHandlePool(std::size_t max_idle);
  EasyHandlePool(const EasyHandlePool&) = delete;
  EasyHandlePool& operator=(const EasyHandlePool&) = delete;

  // An idle handle, or a new one. Throws std::runtime_error if curl_easy_init fails.
  Lease acquire();

  std::size_t idle_count() const;

 private:
  void give_back(EasyHandle handle);

  std::size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<EasyHandle> idle_;
};

}  // namespace tr1l::adapters::curl
