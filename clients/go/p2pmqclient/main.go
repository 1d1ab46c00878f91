// Command p2pmqclient drives two p2pmq agents through the gRPC API the way a Go p2pmq operator's
// tools do: a validator on agent A (ValidationRouter.Handle: REJECT for data starting with "bad",
// ACCEPT otherwise), a listener on A (MsgRouter.Listen), subscriptions on both agents and
// publishes on B (ControlService). It prints one JSON object with what it saw and stops by itself.
//
// It is built in GOPATH mode against Debian's grpc-go, with the API code generated from
// proto/p2pmq/api/api.proto by Debian's protoc-gen-go and protoc-gen-go-grpc
// (scripts/build-go-client.sh).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	api "p2pmqclient/api"

	"google.golang.org/grpc"
)

type result struct {
	Judged       []string `json:"judged"`
	Rejected     []string `json:"rejected"`
	Listened     []string `json:"listened"`
	ListenOffset []uint64 `json:"listen_offsets"`
	PublishedIDs []string `json:"published_ids"`
	Errors       []string `json:"errors"`
}

func main() {
	addrA := flag.String("a", "", "agent A's gRPC address (validator and listener)")
	addrB := flag.String("b", "", "agent B's gRPC address (publisher)")
	topic := flag.String("topic", "prices", "topic")
	good := flag.Int("good", 5, "messages to ACCEPT")
	bad := flag.Int("bad", 2, "messages to REJECT")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	if *addrA == "" || *addrB == "" {
		fmt.Fprintln(os.Stderr, "usage: p2pmqclient -a HOST:PORT -b HOST:PORT [-topic T] [-good N] [-bad N]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var mu sync.Mutex
	out := result{Judged: []string{}, Rejected: []string{}, Listened: []string{}, ListenOffset: []uint64{}, PublishedIDs: []string{}, Errors: []string{}}
	fail := func(format string, args ...interface{}) {
		mu.Lock()
		out.Errors = append(out.Errors, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(os.Stdout).Encode(out)
	}

	connA, err := grpc.DialContext(ctx, *addrA, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial A: %v", err)
		finish()
		os.Exit(1)
	}
	defer connA.Close()
	connB, err := grpc.DialContext(ctx, *addrB, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial B: %v", err)
		finish()
		os.Exit(1)
	}
	defer connB.Close()

	for name, conn := range map[string]*grpc.ClientConn{"A": connA, "B": connB} {
		if _, err := api.NewControlServiceClient(conn).Subscribe(ctx, &api.SubscribeRequest{Topic: *topic}); err != nil {
			fail("subscribe on %s: %v", name, err)
		}
	}

	total := *good + *bad
	var wg sync.WaitGroup
	ready := make(chan struct{}, 2)

	// The validator: answers every message it is handed, until it judged them all.
	wg.Add(1)
	go func() {
		defer wg.Done()
		stream, err := api.NewValidationRouterClient(connA).Handle(ctx)
		if err != nil {
			fail("Handle: %v", err)
			ready <- struct{}{}
			return
		}
		ready <- struct{}{}
		for n := 0; n < total; n++ {
			m, err := stream.Recv()
			if err != nil {
				fail("Handle recv: %v", err)
				return
			}
			verdict := api.ValidationResult_ACCEPT
			reason := ""
			mu.Lock()
			out.Judged = append(out.Judged, string(m.Data))
			if bytes.HasPrefix(m.Data, []byte("bad")) {
				verdict, reason = api.ValidationResult_REJECT, "bad_report"
				out.Rejected = append(out.Rejected, string(m.Data))
			}
			mu.Unlock()
			if err := stream.Send(&api.ValidatedMessage{Result: verdict, Msg: m, Reason: reason}); err != nil {
				fail("Handle send: %v", err)
				return
			}
		}
		_ = stream.CloseSend()
	}()

	// The listener: every accepted message of the topic.
	wg.Add(1)
	go func() {
		defer wg.Done()
		stream, err := api.NewMsgRouterClient(connA).Listen(ctx, &api.ListenRequest{Topics: []string{*topic}})
		if err != nil {
			fail("Listen: %v", err)
			ready <- struct{}{}
			return
		}
		ready <- struct{}{}
		for n := 0; n < *good; n++ {
			m, err := stream.Recv()
			if err != nil {
				fail("Listen recv: %v", err)
				return
			}
			mu.Lock()
			out.Listened = append(out.Listened, string(m.Data))
			out.ListenOffset = append(out.ListenOffset, m.Offset)
			mu.Unlock()
		}
	}()

	<-ready
	<-ready
	// Streams are open on the client side; give the agent a moment to register them.
	time.Sleep(time.Second)
	control := api.NewControlServiceClient(connB)
	for i := 0; i < total; i++ {
		data := fmt.Sprintf("good %d", i)
		if i >= *good {
			data = fmt.Sprintf("bad %d", i)
		}
		reply, err := control.Publish(ctx, &api.PublishRequest{Topic: *topic, Data: []byte(data)})
		if err != nil {
			fail("publish %q: %v", data, err)
			continue
		}
		mu.Lock()
		out.PublishedIDs = append(out.PublishedIDs, reply.MessageId)
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	finish()
}
