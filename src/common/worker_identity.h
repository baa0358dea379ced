// Who holds a lease: "host:pid:nonce". The host and pid let a restarted worker on the same
// machine see at once that a lease's owner process is gone, instead of waiting for it to lapse.
#pragma once

#include <string>

namespace tr1l {

// A fresh identity for one worker (one thread of one process).
std::string make_worker_id();

// True only when `owner` names a process on this host that no longer exists. Owners on other
// hosts, or unparseable ones, are never judged dead here: their leases lapse by time.
bool is_dead_local_owner(const std::string& owner);

}  // namespace tr1l
