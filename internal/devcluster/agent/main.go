// Command kubernaut-dev-agent runs the dev cluster's own daemons, started by
// `kubernaut dev cluster up` like any other component:
//
//	kubernaut-dev-agent registry --addr 127.0.0.1:5000 [--read-only-addr NODEIP:5000] --dir STATE/registry
//	kubernaut-dev-agent provisioner --kubeconfig FILE --dir STATE/volumes
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubernaut/kubernaut/internal/devcluster/localregistry"
	"github.com/kubernaut/kubernaut/internal/devcluster/provisioner"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logger := log.New(os.Stderr, "", log.LstdFlags|log.LUTC)
	if len(os.Args) < 2 {
		logger.Fatal("usage: kubernaut-dev-agent registry|provisioner [flags]")
	}
	var err error
	switch os.Args[1] {
	case "registry":
		err = runRegistry(ctx, os.Args[2:], logger)
	case "provisioner":
		err = runProvisioner(ctx, os.Args[2:], logger)
	default:
		err = fmt.Errorf("unknown mode %q: want registry or provisioner", os.Args[1])
	}
	if err != nil {
		logger.Fatal(err)
	}
}

func runRegistry(ctx context.Context, args []string, logger *log.Logger) error {
	fs := flag.NewFlagSet("registry", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:5000", "listen address for pushes and pulls; must be loopback")
	readOnlyAddr := fs.String("read-only-addr", "", "optional further listen address serving pulls only "+
		"(the node's address, so that pods can pull and verify images)")
	dir := fs.String("dir", "", "storage directory (required)")
	_ = fs.Parse(args)
	if *dir == "" {
		return errors.New("registry: --dir is required")
	}
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("registry: --addr %q must be a loopback host:port", *addr)
	}
	if *readOnlyAddr != "" {
		// A wildcard would also expose the registry on every other interface of the host.
		if host, _, err := net.SplitHostPort(*readOnlyAddr); err != nil || net.ParseIP(host) == nil || net.ParseIP(host).IsUnspecified() {
			return fmt.Errorf("registry: --read-only-addr %q must be a host:port with one specific IP address", *readOnlyAddr)
		}
	}
	h, err := localregistry.New(*dir, logger)
	if err != nil {
		return err
	}
	defer h.Close()
	servers := []*http.Server{{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	if *readOnlyAddr != "" {
		servers = append(servers, &http.Server{Addr: *readOnlyAddr, Handler: localregistry.ReadOnly(h), ReadHeaderTimeout: 10 * time.Second})
	}
	logger.Printf("registry serving %s (read-only: %q) from %s", *addr, *readOnlyAddr, *dir)
	return serveAll(ctx, servers)
}

// serveAll runs every server until ctx ends or one of them fails, then shuts all of them down.
// Listening happens before serving, so a taken port fails the start at once.
func serveAll(ctx context.Context, servers []*http.Server) error {
	listeners := make([]net.Listener, 0, len(servers))
	for _, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return fmt.Errorf("registry: %w", err)
		}
		listeners = append(listeners, ln)
	}
	failed := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("registry on %s: %w", srv.Addr, err)
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-failed:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdownCtx)
	}
	return err
}

func runProvisioner(ctx context.Context, args []string, logger *log.Logger) error {
	fs := flag.NewFlagSet("provisioner", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster (required)")
	dir := fs.String("dir", "", "directory for volumes (required)")
	class := fs.String("storage-class", "kubernaut-hostpath", "StorageClass to serve")
	name := fs.String("name", "dev.kubernaut.io/hostpath", "provisioner name")
	_ = fs.Parse(args)
	if *kubeconfig == "" || *dir == "" {
		return errors.New("provisioner: --kubeconfig and --dir are required")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("provisioner: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("provisioner: %w", err)
	}
	p := &provisioner.Provisioner{Client: cs, StorageClass: *class, Name: *name, Dir: *dir, Log: logger}
	logger.Printf("provisioning %s volumes in %s", *class, *dir)
	return p.Run(ctx)
}
