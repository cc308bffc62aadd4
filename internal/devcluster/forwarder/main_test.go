package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRequestsThroughTheForwarderReachTheUpstreamServer runs a real HTTP server as the upstream
// and checks that requests, including one whose body ends with a half-close, arrive whole.
func TestRequestsThroughTheForwarderReachTheUpstreamServer(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(body))
	}))
	defer upstream.Close()
	addr := startForwarder(t, strings.TrimPrefix(upstream.URL, "http://"))

	for _, tc := range []struct{ method, path, body, want string }{
		{http.MethodGet, "/v2/", "", "GET /v2/ "},
		{http.MethodPut, "/v2/demo/manifests/1.0", `{"schemaVersion":2}`, `PUT /v2/demo/manifests/1.0 {"schemaVersion":2}`},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+addr+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s through the forwarder: %v", tc.method, tc.path, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != tc.want {
			t.Errorf("%s %s: upstream answered %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /half-closed HTTP/1.0\r\n\r\n")
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	raw, err := io.ReadAll(conn)
	if err != nil || !strings.HasSuffix(string(raw), "GET /half-closed ") {
		t.Errorf("HTTP/1.0 request with a half-close: %q, %v", raw, err)
	}
}

func TestAnUnreachableUpstreamClosesTheClientConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	addr := startForwarder(t, dead)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read from a forwarded connection to a dead upstream: %d bytes, %v; want EOF", n, err)
	}
}

func TestServeReturnsWhenItsContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, "127.0.0.1:1", log.New(io.Discard, "", 0)) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve still runs after its context ended")
	}
}

// startForwarder serves a forwarder to upstream on a free loopback port until the test ends.
func startForwarder(t *testing.T, upstream string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = serve(ctx, ln, upstream, log.New(io.Discard, "", 0)) }()
	return ln.Addr().String()
}
