package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestRotationGivesTheKeysNewRandomValuesAndKeepsTheRest(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newSecret(t, sb, dbCredentials())

	r := runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": []any{"password", "apiKey"}, "length": 40, "alphabet": "hex"})

	actiontesting.MustSucceed(t, r)
	after := getSecret(t, sb, "db-credentials")
	actiontesting.DiffOutputs(t, map[string]any{
		"secret": "db-credentials", "namespace": sb.Namespace, "rotatedKeys": []any{"apiKey", "password"},
		"previousResourceVersion": before.ResourceVersion, "resourceVersion": after.ResourceVersion,
		"restartedDeployments": []any{}, "dryRun": false,
	}, r)
	if after.ResourceVersion == before.ResourceVersion {
		t.Errorf("resourceVersion unchanged: the Secret was not written")
	}
	for _, key := range []string{"password", "apiKey"} {
		value := after.Data[key]
		if len(value) != 40 || strings.Trim(string(value), alphabets["hex"]) != "" {
			t.Errorf("%s is %d characters, not all hex; want 40 hex characters", key, len(value))
		}
		if bytes.Equal(value, before.Data[key]) {
			t.Errorf("%s kept its old value", key)
		}
	}
	if bytes.Equal(after.Data["password"], after.Data["apiKey"]) {
		t.Errorf("both keys got the same value")
	}
	if string(after.Data["username"]) != "shop" {
		t.Errorf("a key that was not named changed: username")
	}
	expectNoValueLeaked(t, r, before, after)
}

func TestDryRunReportsTheRotationAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newSecret(t, sb, dbCredentials())
	deployment := newDeploymentReading(t, sb, "api", envFromSecret("db-credentials"))
	// All-zero randomness makes the values that would have been written known ("AAA…"), so the
	// test can look for them in the streams too.
	zeros := rotator{kube: sb.ActionEnv(), random: bytes.NewReader(make([]byte, 1<<16)), now: clock}

	r := actiontesting.Run(t, contractFile, zeros.run,
		map[string]any{"secret": "db-credentials", "keys": []any{"password"}, "restartDependents": true, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"secret": "db-credentials", "namespace": sb.Namespace, "rotatedKeys": []any{"password"},
		"previousResourceVersion": before.ResourceVersion, "resourceVersion": before.ResourceVersion,
		"restartedDeployments": []any{"api"}, "dryRun": true,
	}, r)
	if after := getSecret(t, sb, "db-credentials"); after.ResourceVersion != before.ResourceVersion || string(after.Data["password"]) != "old-password-value-1" {
		t.Errorf("the dry run changed the Secret (resourceVersion %s -> %s)", before.ResourceVersion, after.ResourceVersion)
	}
	if after := sb.GetDeployment(t, "api"); after.ResourceVersion != deployment.ResourceVersion {
		t.Errorf("the dry run restarted deployment api")
	}
	if strings.Contains(r.Stdout+r.Stderr, strings.Repeat("A", 32)) {
		t.Errorf("the value the dry run generated appears in the streams")
	}
	if !strings.Contains(r.Stderr, "dry run: the keys [password] of secret "+sb.Namespace+"/db-credentials would get new 32-character values") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
	expectNoValueLeaked(t, r, before)
}

func TestWhatTheActionWillNotRotateIsRefusedUntouched(t *testing.T) {
	tls := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db-credentials"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"tls.crt": []byte("cert-bytes-123"), "tls.key": []byte("private-key-value")}}
	immutable := dbCredentials()
	immutable.Immutable = ptr.To(true)
	tests := []struct {
		name   string
		secret *corev1.Secret
		keys   []any
		want   string
	}{
		{"a key the Secret does not have", dbCredentials(), []any{"password", "pasword"},
			"/db-credentials has no key pasword; its keys are apiKey, password, username"},
		{"an immutable Secret", immutable, []any{"password"}, "/db-credentials is immutable (immutable: true)"},
		{"a TLS Secret", tls, []any{"tls.key"}, "has type kubernetes.io/tls, which this action does not rotate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newSecret(t, sb, tt.secret)

			r := runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": tt.keys})

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
			if after := getSecret(t, sb, "db-credentials"); after.ResourceVersion != before.ResourceVersion {
				t.Errorf("a refused request changed the Secret")
			}
			expectNoValueLeaked(t, r, before)
		})
	}
}

func TestAMissingSecretFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"secret": "nope", "keys": []any{"password"}})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "secret "+sb.Namespace+"/nope not found: check the inputs")
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newSecret(t, sb, dbCredentials())
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": []any{"password", "password"}, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["secret"] != "db-credentials" || r.Outputs["dryRun"] != true {
			t.Errorf("outputs = %v", r.Outputs)
		}
		if diff := cmp.Diff([]any{"password"}, r.Outputs["rotatedKeys"]); diff != "" {
			t.Errorf("rotatedKeys, a key named twice (-want +got):\n%s", diff)
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/keys: required input is missing"},
		{Name: "no keys", Inputs: map[string]any{"secret": "db"}, Want: "/keys: required input is missing"},
		{Name: "values too short to be safe", Inputs: map[string]any{"secret": "db", "keys": []any{"a"}, "length": 16}, Want: "/length: must be at least 32"},
		{Name: "an unknown alphabet", Inputs: map[string]any{"secret": "db", "keys": []any{"a"}, "alphabet": "emoji"}, Want: "/alphabet"},
		{Name: "a misspelt input", Inputs: map[string]any{"secret": "db", "keys": []any{"a"}, "restart": true}, Want: "/restart: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, rotator{kube: actiontesting.NoCluster(t), random: bytes.NewReader(nil), now: clock}.run, inputs)
	}, tests)
}

func TestInputsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name     string
		inputs   map[string]any
		contract bool
		want     string
	}{
		{"an empty list of keys", map[string]any{"secret": "db", "keys": []any{}}, true, `input "keys" is empty`},
		{"an invalid key", map[string]any{"secret": "db", "keys": []any{"a/b"}}, true, `input "keys"[0]: "a/b" is not a valid Secret key`},
		{"a short length without a contract", map[string]any{"secret": "db", "keys": []any{"a"}, "length": 8}, false,
			`input "length" must be between 32 and 4096, got 8`},
		{"an unknown alphabet without a contract", map[string]any{"secret": "db", "keys": []any{"a"}, "alphabet": "emoji"}, false,
			`input "alphabet" "emoji" is not one of alphanumeric, base64url, hex, printable`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := rotator{kube: actiontesting.NoCluster(t), random: bytes.NewReader(nil), now: clock}
			var r actiontest.Result
			if tt.contract {
				r = actiontesting.Run(t, contractFile, a.run, tt.inputs)
			} else {
				r = actiontest.Run(t, a.run, tt.inputs)
			}

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
}

func TestTheContractGrantsWhatRotatingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newSecret(t, sb, dbCredentials())
	other := cluster.NewSandbox(t, contractFile)
	newSecret(t, other, dbCredentials())
	ctx := context.Background()
	secrets := sb.Client.CoreV1().Secrets(sb.Namespace)

	err := secrets.Delete(ctx, "db-credentials", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Secret")
	_, err = secrets.List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Secrets")
	_, err = sb.Client.CoreV1().Secrets(other.Namespace).Get(ctx, "db-credentials", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Secret in another namespace")
	_, err = secrets.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, metav1.CreateOptions{})
	sb.ExpectForbidden(t, err, "create a Secret")
	_, err = sb.Client.CoreV1().ConfigMaps(sb.Namespace).Get(ctx, "db-credentials", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a ConfigMap")

	for _, denied := range []struct{ group, verb, resource string }{
		{"", "update", "secrets"}, {"", "watch", "secrets"}, {"", "deletecollection", "secrets"},
		{"apps", "update", "deployments"}, {"apps", "delete", "deployments"}, {"apps", "create", "deployments"},
		{"apps", "patch", "statefulsets"}, {"apps", "patch", "daemonsets"}, {"", "delete", "pods"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, "", denied.verb)) {
			t.Errorf("the contract allows %s on %s; it must not", denied.verb, denied.resource)
		}
	}
}
