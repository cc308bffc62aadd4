package kube

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestPodNamespace(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		fileErr  error
		env      string
		want     string
		wantErr  string
		wantNoNs bool
	}{
		{name: "the mounted file wins", file: "shop\n", env: "other", want: "shop"},
		{name: "without the file the variable is used", fileErr: fs.ErrNotExist, env: " shop ", want: "shop"},
		{name: "neither is an error asking for the input", fileErr: fs.ErrNotExist, wantNoNs: true},
		{name: "an empty file is an error", file: "\n", env: "shop", wantErr: "is empty; set the input \"namespace\""},
		{name: "an unreadable file is an error", fileErr: fs.ErrPermission, env: "shop", wantErr: "reading the pod's namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readFile := func(name string) ([]byte, error) {
				if name != NamespaceFile {
					t.Errorf("read %s, want %s", name, NamespaceFile)
				}
				return []byte(tt.file), tt.fileErr
			}
			getenv := func(key string) string {
				if key != EnvPodNamespace {
					t.Errorf("read $%s, want $%s", key, EnvPodNamespace)
				}
				return tt.env
			}

			got, err := PodNamespace(readFile, getenv)

			switch {
			case tt.wantNoNs:
				if !errors.Is(err, ErrNoNamespace) {
					t.Errorf("error = %v, want ErrNoNamespace", err)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("PodNamespace() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNamespaceTakesTheInputElseThePodsNamespace(t *testing.T) {
	env := Env{PodNamespace: func() (string, error) { return "workflows", nil }}
	tests := []struct {
		name    string
		inputs  map[string]any
		want    string
		wantErr string
	}{
		{name: "the input when set", inputs: map[string]any{"namespace": "shop"}, want: "shop"},
		{name: "the pod's namespace when absent", inputs: map[string]any{}, want: "workflows"},
		{name: "the pod's namespace when empty", inputs: map[string]any{"namespace": ""}, want: "workflows"},
		{name: "an invalid name is refused", inputs: map[string]any{"namespace": "Shop"}, wantErr: `namespace "Shop" is not a valid namespace name`},
		{name: "a wrong type is refused", inputs: map[string]any{"namespace": 3}, wantErr: "namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := action.NewInputs(tt.inputs)
			if err != nil {
				t.Fatal(err)
			}

			got, err := env.Namespace(in)

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Namespace() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestInClusterOutsideAPodExplainsWhatIsMissing(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")

	_, err := InCluster("test").NewClient()

	if err == nil || !strings.Contains(err.Error(), "needs the ServiceAccount token") {
		t.Errorf("error = %v, want one explaining the missing token", err)
	}
}

func TestAPIErrorKeepsTheCauseAndNamesTheObject(t *testing.T) {
	ref := Ref{Kind: "deployment", Namespace: "shop", Name: "web"}
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	tests := []struct {
		name  string
		err   error
		want  string
		check func(error) bool
	}{
		{"not found", apierrors.NewNotFound(gr, "web"), "deployment shop/web not found: check the inputs", apierrors.IsNotFound},
		{"forbidden", apierrors.NewForbidden(gr, "web", errors.New("no")), "get deployment shop/web: forbidden; the action runs with exactly its contract's rbac.permissions", apierrors.IsForbidden},
		{"conflict", apierrors.NewConflict(gr, "web", errors.New("stale")), "changed by someone else meanwhile", apierrors.IsConflict},
		{"anything else", os.ErrDeadlineExceeded, "get deployment shop/web: ", func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := APIError(tt.err, "get", ref)

			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q does not contain %q", err, tt.want)
			}
			if !tt.check(err) {
				t.Errorf("the cause is no longer recognisable in %v", err)
			}
		})
	}
	if got := (Ref{Kind: "node", Name: "n1"}).String(); got != "node n1" {
		t.Errorf("a cluster-scoped Ref reads %q, want \"node n1\"", got)
	}
}
