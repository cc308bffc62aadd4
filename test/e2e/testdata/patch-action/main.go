// Command patch-action is the end-to-end tests' RBAC probe. With its ServiceAccount's token it
// annotates the Deployment named in ACTION_INPUTS ({"deployment": name}) in its own namespace,
// then tries to delete it, and prints the two HTTP status codes as its outputs
// ({"patchStatus": 200, "deleteStatus": 403}): the test checks what the API server enforced.
// It uses the standard library only, so it stays small and builds fast.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount/"

func main() {
	var in struct {
		Deployment string `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(os.Getenv("ACTION_INPUTS")), &in); err != nil {
		fail("parse ACTION_INPUTS: %v", err)
	}
	token, ns, client := inClusterClient()
	url := fmt.Sprintf("https://%s/apis/apps/v1/namespaces/%s/deployments/%s",
		net.JoinHostPort(os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")), ns, in.Deployment)
	patch := `{"metadata":{"annotations":{"e2e.kubernaut.ai/patched-by":"patch-action"}}}`
	patchStatus := call(client, token, http.MethodPatch, url, patch)
	deleteStatus := call(client, token, http.MethodDelete, url, "")
	line, _ := json.Marshal(map[string]int{"patchStatus": patchStatus, "deleteStatus": deleteStatus})
	fmt.Println(string(line))
}

func inClusterClient() (token, namespace string, client *http.Client) {
	read := func(name string) string {
		data, err := os.ReadFile(serviceAccountDir + name)
		if err != nil {
			fail("read the ServiceAccount's %s: %v", name, err)
		}
		return strings.TrimSpace(string(data))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(read("ca.crt"))) {
		fail("no certificate in the ServiceAccount's ca.crt")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return read("token"), read("namespace"), &http.Client{Transport: transport}
}

func call(client *http.Client, token, method, url, body string) int {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		fail("%s %s: %v", method, url, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := client.Do(req)
	if err != nil {
		fail("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
