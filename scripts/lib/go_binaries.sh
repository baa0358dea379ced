# Sourceable helper for scripts that build pinned tools from the Go module proxy (MinIO, mc,
# s5cmd): `binary_has_version BIN MODULE VERSION` succeeds if BIN is executable and was built from
# MODULE at VERSION.
# shellcheck shell=bash

binary_has_version() {
  [[ -x "$1" ]] || return 1
  command -v go >/dev/null 2>&1 || return 0 # without Go, the caller's stamp file is the only check
  # `go version -m` reads the module version embedded in the binary's build info.
  go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}
