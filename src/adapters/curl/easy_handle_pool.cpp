#include "adapters/curl/easy_handle_pool.h"

#include <stdexcept>
#include <utility>

namespace tr1l::adapters::curl {

EasyHandlePool::Lease::~Lease() {
  if (pool_ != nullptr && handle_) pool_->give_back(std::move(handle_));
}

EasyHandlePool::EasyHandlePool(std::size_t max_idle) : max_idle_(max_idle) { s3::ensure_curl_initialised(); }

EasyHandlePool::Lease EasyHandlePool::acquire() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      EasyHandle handle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(handle));
    }
  }
  EasyHandle handle(curl_easy_init());
  if (!handle) throw std::runtime_error("curl_easy_init failed");
  return Lease(*this, std::move(handle));
}

std::size_t EasyHandlePool::idle_count() const {
  const std::lock_guard lock(mutex_);
  return idle_.size();
}

void EasyHandlePool::give_back(EasyHandle handle) {
  // Options (and the pointers into the caller's buffers they hold) must not outlive the call;
  // curl_easy_reset keeps the connection cache.
  curl_easy_reset(handle.get());
  const std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(handle));
}

}  // namespace tr1l::adapters::curl
