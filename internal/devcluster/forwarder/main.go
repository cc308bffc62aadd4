// Command kubernaut-registry-forwarder copies TCP connections from --listen to --to. It runs as
// a native sidecar of the manager in the dev cluster only (internal/devcluster/deploy adds it):
// images there are named 127.0.0.1:<port>/..., the name containerd pulls, but inside a pod
// 127.0.0.1 is the pod itself. The sidecar listens on the pod's 127.0.0.1:<port> and forwards
// to the registry's read-only address on the node, so the manager verifies exactly the
// references the kubelet pulls.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// dialTimeout bounds connecting upstream, so a client does not hang on an unreachable node.
const dialTimeout = 5 * time.Second

func main() {
	listen := flag.String("listen", "127.0.0.1:5000", "address to accept connections on")
	to := flag.String("to", "", "address to forward connections to (required)")
	flag.Parse()
	logger := log.New(os.Stderr, "", log.LstdFlags|log.LUTC)
	if *to == "" {
		logger.Fatal("--to is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		logger.Fatalf("listen on %s: %v", *listen, err)
	}
	logger.Printf("forwarding %s to %s", ln.Addr(), *to)
	if err := serve(ctx, ln, *to, logger); err != nil {
		logger.Fatal(err)
	}
}

// serve accepts connections on ln and forwards each to upstream until ctx ends, then closes ln.
// It returns nil when ctx ended and the accept error otherwise.
func serve(ctx context.Context, ln net.Listener, upstream string, logger *log.Logger) error {
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		go forward(conn, upstream, logger)
	}
}

// forward copies both directions between conn and a new connection to upstream. When one side
// stops sending, the other side's write half is closed, so request/response protocols see the
// end of the stream exactly as without the forwarder.
func forward(conn net.Conn, upstream string, logger *log.Logger) {
	defer conn.Close()
	up, err := net.DialTimeout("tcp", upstream, dialTimeout)
	if err != nil {
		logger.Printf("dial %s for %s: %v", upstream, conn.RemoteAddr(), err)
		return
	}
	defer up.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pipe(up, conn) }()
	go func() { defer wg.Done(); pipe(conn, up) }()
	wg.Wait()
}

// pipe copies src to dst, then closes dst for writing. On an error it closes dst entirely,
// which also ends the copy in the other direction.
func pipe(dst, src net.Conn) {
	if _, err := io.Copy(dst, src); err == nil {
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
			return
		}
	}
	_ = dst.Close()
}
