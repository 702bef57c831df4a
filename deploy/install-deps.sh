#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages relog builds and runs with,
# when any is missing. Idempotent: does nothing when all are present.
#   deploy/install-deps.sh [--bench]
set -euo pipefail

packages=(
  build-essential cmake ninja-build clang libclang-rt-14-dev clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev libgtest-dev libgmock-dev
  libgoogle-glog-dev golang-github-gogo-googleapis-dev tzdata
  python3 python3-grpcio python3-protobuf python3-cryptography
)
# --bench: also the benchmark suite's PostgreSQL peer (deploy/bench), which
# the tests never need.
if [ "${1:-}" = "--bench" ]; then
  packages+=(postgresql libpq-dev pkg-config)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
