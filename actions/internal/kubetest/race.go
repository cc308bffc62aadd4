package kubetest

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// RacingEnv is ActionEnv, except that right after the API server has answered the action's
// first request with the HTTP method (GET for a get or a list) on resource ("deployments",
// "pods"), rival runs: someone else changes the cluster between the action's read and its
// write. That is the race a resourceVersion precondition guards against; a test proves the
// guard by what the action does when it loses.
//
// The race sits in the transport, below the typed clients, so one helper serves every kind
// and every verb the action reads with.
func (s *Sandbox) RacingEnv(t testing.TB, method, resource string, rival func()) kube.Env {
	t.Helper()
	cfg := rest.CopyConfig(s.Config)
	var once sync.Once
	cfg.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return racingTransport{next: next, after: func(r *http.Request) {
			if r.Method == method && slices.Contains(strings.Split(r.URL.Path, "/"), resource) {
				once.Do(rival)
			}
		}}
	})
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client as %s: %v", s.User, err)
	}
	return kube.Env{
		NewClient:    func() (kubernetes.Interface, error) { return client, nil },
		PodNamespace: func() (string, error) { return s.Namespace, nil },
	}
}

// racingTransport calls after once the response to each request has arrived.
type racingTransport struct {
	next  http.RoundTripper
	after func(*http.Request)
}

func (rt racingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(r)
	if err == nil {
		rt.after(r)
	}
	return resp, err
}
