#!/usr/bin/env bash
# Builds the Go gRPC client of the tests (clients/go/p2pmqclient) the way a Go p2pmq operator's
# tools are built: API code generated from proto/p2pmq/api/api.proto by Debian's protoc-gen-go and
# protoc-gen-go-grpc, compiled in GOPATH mode (GO111MODULE=off) against Debian's grpc-go and
# google.golang.org/protobuf (/usr/share/gocode). Needs: golang-go protobuf-compiler protoc-gen-go
# protoc-gen-go-grpc golang-google-grpc-dev golang-google-protobuf-dev
# golang-github-golang-protobuf-1-5-dev (scripts/install-deps.sh installs them).
#
# Usage: scripts/build-go-client.sh [OUTPUT]   (default: .build/go/p2pmqclient)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/.build/go/p2pmqclient}"
for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
    command -v "$tool" >/dev/null || { echo "build-go-client: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/p2pmqclient/api"
cp "$root/clients/go/p2pmqclient/main.go" "$work/src/p2pmqclient/"
# The proto has no go_package (it keeps the Go p2pmq's package name `proto`): M maps it here.
protoc -I "$root/proto" \
    --go_out="$work/src" --go_opt=Mp2pmq/api/api.proto=p2pmqclient/api \
    --go-grpc_out="$work/src" --go-grpc_opt=Mp2pmq/api/api.proto=p2pmqclient/api \
    "$root/proto/p2pmq/api/api.proto"
mkdir -p "$(dirname "$out")"
export GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOCACHE="${GOCACHE:-$root/.build/go/cache}"
(cd "$work/src/p2pmqclient" && go build -o "$out" .)
echo "$out"
