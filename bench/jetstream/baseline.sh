#!/usr/bin/env bash
# The NATS JetStream baseline of p2pmq-bench (issue 19): installs Debian's nats-server if missing,
# unpacks Debian's Go NATS client (see below), builds bench/jetstream/jsbench.go in GOPATH mode (no module download; cached
# in $JETSTREAM_DIR, default /tmp/p2pmq-jetstream), starts nats-server with JetStream on 127.0.0.1
# (a random port, a temporary file store), runs jsbench, stops the server by its PID and removes
# the store. Prints jsbench's JSON line; exits non-zero, saying why on stderr, if it cannot run.
#   bench/jetstream/baseline.sh replay|publish -messages N -size S [-window W]   (Go flags)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: baseline.sh replay|publish -messages N -size S}
shift
dir=${JETSTREAM_DIR:-/tmp/p2pmq-jetstream}
mkdir -p "$dir"
# The Go client's Debian package (golang-github-nats-io-go-nats-dev) depends on golang-goprotobuf-dev,
# whose protoc-gen-go-1-3 replaces the protoc-gen-go the Go gRPC client of the tests needs
# (scripts/build-go-client.sh): installing it would break that test. So it is downloaded and
# unpacked here, not installed; what it imports (nkeys, nuid, x/crypto) installs without conflict.
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/nats-io/nkeys ] || need+=(golang-github-nats-io-nkeys-dev)
[ -d /usr/share/gocode/src/github.com/nats-io/nuid ] || need+=(golang-github-nats-io-nuid-dev)
[ -d /usr/share/gocode/src/golang.org/x/crypto ] || need+=(golang-golang-x-crypto-dev)
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || { echo "baseline.sh: cannot install ${need[*]}" >&2; exit 3; }
fi
client="$dir/nats-client"
if [ ! -d "$client/usr/share/gocode/src/github.com/nats-io/nats.go" ]; then
  rm -rf "$client" "$dir/debs" && mkdir -p "$client" "$dir/debs"
  (cd "$dir/debs" && apt-get download golang-github-nats-io-go-nats-dev >/dev/null 2>&1) \
    || { echo "baseline.sh: cannot download golang-github-nats-io-go-nats-dev" >&2; exit 3; }
  dpkg -x "$dir"/debs/golang-github-nats-io-go-nats-dev_*.deb "$client"
fi
bin="$dir/jsbench"
if [ ! -x "$bin" ] || [ "$here/jsbench.go" -nt "$bin" ]; then
  mkdir -p "$dir/gopath/src/jsbench"
  cp "$here/jsbench.go" "$dir/gopath/src/jsbench/"
  (cd "$dir/gopath/src/jsbench" && GO111MODULE=off GOPATH="$dir/gopath:$client/usr/share/gocode:/usr/share/gocode" GOCACHE="$dir/gocache" go build -o "$bin" .) >&2 \
    || { echo "baseline.sh: cannot build jsbench" >&2; exit 3; }
fi
store=$(mktemp -d "$dir/store.XXXXXX")
ports=$(mktemp -d "$dir/ports.XXXXXX")
nats-server -js -sd "$store" -a 127.0.0.1 -p -1 --ports_file_dir "$ports" >"$store.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$store" "$store.log" "$ports"; }
trap cleanup EXIT
url=""
for _ in $(seq 1 100); do
  f=$(ls "$ports"/*.ports 2>/dev/null | head -1 || true)
  if [ -n "$f" ]; then url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nats"][0])' "$f"); break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$url" ] || { echo "baseline.sh: nats-server did not start: $(tail -3 "$store.log")" >&2; exit 3; }
"$bin" -url "$url" -mode "$mode" "$@"
