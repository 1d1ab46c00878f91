// jsbench: the NATS JetStream baseline for p2pmq-bench (issue 19), with the Go client Debian ships
// (golang-github-nats-io-go-nats-dev, built in GOPATH mode). It talks to a running nats-server
// started by bench/jetstream/baseline.sh and prints one JSON line.
//
//	jsbench -url nats://127.0.0.1:PORT -mode replay  -messages N -size S
//	  fills a file-store stream with N messages of S bytes, then times an ordered push consumer
//	  (the client's OrderedConsumer) reading all N from the start: {"jetstream_ordered_per_s", ...}
//	jsbench -url ... -mode publish -messages N -size S [-window W]
//	  times N async publishes to a file-store stream, each acknowledged by the server, with at most
//	  W unacknowledged: {"jetstream_async_per_s", ...}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "jsbench: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	mode := flag.String("mode", "replay", "replay | publish")
	messages := flag.Int("messages", 100000, "messages")
	size := flag.Int("size", 256, "payload bytes")
	window := flag.Int("window", 4000, "async publishes in flight")
	flag.Parse()

	nc, err := nats.Connect(*url)
	if err != nil {
		fail("connect: %v", err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(*window))
	if err != nil {
		fail("jetstream: %v", err)
	}
	stream := fmt.Sprintf("BENCH_%d", time.Now().UnixNano())
	subject := stream + ".reports"
	if _, err := js.AddStream(&nats.StreamConfig{Name: stream, Subjects: []string{subject}, Storage: nats.FileStorage}); err != nil {
		fail("add stream: %v", err)
	}
	defer js.DeleteStream(stream)
	payload := make([]byte, *size)
	for i := range payload {
		payload[i] = byte(i)
	}

	publish := func() time.Duration {
		start := time.Now()
		for i := 0; i < *messages; i++ {
			if _, err := js.PublishAsync(subject, payload); err != nil {
				fail("publish: %v", err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(120 * time.Second):
			fail("publishes not acknowledged within 120 s")
		}
		return time.Since(start)
	}

	out := map[string]interface{}{"messages": *messages, "size": *size, "server": "nats-server (JetStream, file store)"}
	switch *mode {
	case "publish":
		elapsed := publish()
		out["jetstream_async_per_s"] = float64(*messages) / elapsed.Seconds()
		out["window"] = *window
		out["seconds"] = elapsed.Seconds()
	case "replay":
		publish()
		done := make(chan struct{})
		received := 0
		start := time.Now()
		sub, err := js.Subscribe(subject, func(m *nats.Msg) {
			received++
			if received == *messages {
				close(done)
			}
		}, nats.OrderedConsumer(), nats.DeliverAll())
		if err != nil {
			fail("subscribe: %v", err)
		}
		select {
		case <-done:
		case <-time.After(120 * time.Second):
			fail("ordered consumer got %d of %d in 120 s", received, *messages)
		}
		elapsed := time.Since(start)
		sub.Unsubscribe()
		out["jetstream_ordered_per_s"] = float64(*messages) / elapsed.Seconds()
		out["seconds"] = elapsed.Seconds()
	default:
		fail("unknown mode %q", *mode)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
