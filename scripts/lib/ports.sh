# Sourceable helper for test-server scripts: `free_port [N]` prints N (default 1) distinct TCP
# ports on 127.0.0.1 that the kernel reports free right now (one per line).
# shellcheck shell=bash

free_port() {
  local count="${1:-1}" py
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
      # Keep all sockets open until every port is chosen so the N ports are distinct.
      "$py" - "$count" <<'PY' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
    fi
  done
  # Fallback without Python: random ports in the ephemeral range not listed by ss.
  local chosen=() port i
  for ((i = 0; i < 200 && ${#chosen[@]} < count; i++)); do
    port=$((32768 + RANDOM % 28000))
    [[ " ${chosen[*]} " == *" $port "* ]] && continue
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . && continue
    chosen+=("$port")
  done
  ((${#chosen[@]} == count)) || { echo "free_port: could not find $count free ports" >&2; return 1; }
  printf '%s\n' "${chosen[@]}"
}

