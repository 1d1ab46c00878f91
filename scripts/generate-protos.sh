#!/usr/bin/env bash
# Regenerates the committed Swift code for proto/**/*.proto.
# Needs protoc (Debian: protobuf-compiler) and the plugins protoc-gen-swift (swift-protobuf
# 1.39.0) and protoc-gen-grpc-swift-2 (grpc-swift-protobuf 2.4.1), built here if missing.
# Building the plugins takes ~10 minutes, so CI does not run this: it builds the committed output.
#   PLUGIN_DIR=/path/with/plugins scripts/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin_dir=${PLUGIN_DIR:-/tmp/plugins/bin}
if [ ! -x "$plugin_dir/protoc-gen-swift" ]; then
  echo "building protoc-gen-swift into $plugin_dir (one-off, ~10 minutes)" >&2
  src=$(mktemp -d)
  git clone -q https://github.com/apple/swift-protobuf "$src/swift-protobuf"
  git -C "$src/swift-protobuf" checkout -q 1.39.0
  swift build -c release --package-path "$src/swift-protobuf" --product protoc-gen-swift
  mkdir -p "$plugin_dir"
  cp "$src/swift-protobuf/.build/release/protoc-gen-swift" "$plugin_dir/"
fi
if [ ! -x "$plugin_dir/protoc-gen-grpc-swift-2" ]; then
  echo "building protoc-gen-grpc-swift-2 into $plugin_dir (one-off, ~5 minutes)" >&2
  src=$(mktemp -d)
  git clone -q https://github.com/grpc/grpc-swift-protobuf "$src/grpc-swift-protobuf"
  git -C "$src/grpc-swift-protobuf" checkout -q 2.4.1
  swift build -c release --package-path "$src/grpc-swift-protobuf" --product protoc-gen-grpc-swift-2
  mkdir -p "$plugin_dir"
  cp "$src/grpc-swift-protobuf/.build/release/protoc-gen-grpc-swift-2" "$plugin_dir/"
fi
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }

# DON reports -> Sources/DON/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --proto_path=proto --swift_out=Sources/DON/Generated --swift_opt=Visibility=Public \
  p2pmq/don/report.proto p2pmq/don/registry.proto
# libp2p wire messages (keys, Noise payload, identify) -> Sources/Wire/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --proto_path=proto --swift_out=Sources/Wire/Generated --swift_opt=Visibility=Public \
  libp2p/crypto.proto libp2p/noise.proto libp2p/identify.proto
# pubsub RPC -> Sources/Core/Gossip/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --proto_path=proto --swift_out=Sources/Core/Gossip/Generated --swift_opt=Visibility=Public \
  libp2p/pubsub.proto
# Kademlia DHT messages -> Sources/Core/Discovery/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --proto_path=proto --swift_out=Sources/Core/Discovery/Generated --swift_opt=Visibility=Public \
  libp2p/kad.proto
# the agent's gRPC API (package `proto`, the Go p2pmq's services) -> Sources/AgentAPI/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$plugin_dir/protoc-gen-grpc-swift-2" \
  --proto_path=proto --swift_out=Sources/AgentAPI/Generated --swift_opt=Visibility=Public \
  --grpc-swift-2_out=Sources/AgentAPI/Generated --grpc-swift-2_opt=Visibility=Public \
  p2pmq/api/api.proto
# catch-up protocol between agents (/p2pmq/sync/1.0.0) -> Sources/Core/Sync/Generated
protoc --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
  --proto_path=proto --swift_out=Sources/Core/Sync/Generated --swift_opt=Visibility=Public \
  p2pmq/sync/sync.proto
echo "generated:"; find Sources/Core/Gossip/Generated Sources/Core/Discovery/Generated Sources/DON/Generated Sources/Wire/Generated Sources/AgentAPI/Generated Sources/Core/Sync/Generated -name '*.swift'

