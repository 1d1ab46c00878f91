#!/usr/bin/env bash
# Installs the system libraries p2pmq builds against, if any is missing (Debian/Ubuntu, as root).
set -euo pipefail
needed=(liblmdb-dev libsqlite3-dev libsodium-dev libsecp256k1-dev nettle-dev pkg-config python3-venv iproute2
  # The tests' Go gRPC client (scripts/build-go-client.sh): Go in GOPATH mode, Debian's grpc-go
  # and protobuf packages, protoc and its Go plugins.
  golang-go protobuf-compiler protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev
  golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)
missing=()
for pkg in "${needed[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
