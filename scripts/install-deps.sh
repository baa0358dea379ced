#!/usr/bin/env bash
# Installs every Debian package TR1L needs to build and test. Idempotent: does nothing when all
# packages are already present, so `make test` can call it on every run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libsqlite3-dev libpq-dev postgresql-15
  libssl-dev zlib1g-dev libdeflate-dev
  libcurl4-openssl-dev librdkafka-dev
  nlohmann-json3-dev libkainjow-mustache-dev
  libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  libcpp-httplib-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-aiosmtpd time
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
