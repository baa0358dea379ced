#include "common/worker_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>

namespace tr1l {
namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown-host";
  return buffer;
}

}  // namespace

std::string make_worker_id() {
  std::random_device device;
  char nonce[9];
  std::snprintf(nonce, sizeof nonce, "%08x", device());
  return host_name() + ":" + std::to_string(getpid()) + ":" + nonce;
}

bool is_dead_local_owner(const std::string& owner) {
  const auto first = owner.find(':');
  const auto second = owner.find(':', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  if (owner.substr(0, first) != host_name()) return false;
  pid_t pid = 0;
  const char* begin = owner.data() + first + 1;
  const char* end = owner.data() + second;
  auto [parsed_end, error] = std::from_chars(begin, end, pid);
  if (error != std::errc() || parsed_end != end || pid <= 0) return false;
  if (pid == getpid()) return false;  // another thread of this very process
  return kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace tr1l
