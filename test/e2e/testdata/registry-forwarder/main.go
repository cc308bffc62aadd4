// Command registry-forwarder copies TCP connections from -listen to -to. The end-to-end tests
// run it as a sidecar of the in-cluster manager: the local registry listens on the host's
// 127.0.0.1 only, and images are named 127.0.0.1:<port>/..., the name containerd pulls. Inside
// the pod, 127.0.0.1 is the pod's own loopback, so the sidecar listens there and forwards to a
// forwarder the test runs on the node's address, which reaches the registry. The manager thus
// verifies exactly the references the kubelet pulls.
package main

import (
	"flag"
	"io"
	"log"
	"net"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5000", "address to accept connections on")
	to := flag.String("to", "", "address to forward connections to")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listen on %s: %v", *listen, err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatalf("accept on %s: %v", *listen, err)
		}
		go forward(conn, *to)
	}
}

func forward(conn net.Conn, to string) {
	defer conn.Close()
	upstream, err := net.Dial("tcp", to)
	if err != nil {
		log.Printf("dial %s: %v", to, err)
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, conn); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, upstream); done <- struct{}{} }()
	<-done
}
