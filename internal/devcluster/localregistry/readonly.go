package localregistry

import "net/http"

// ReadOnly serves only the requests a pull makes (GET and HEAD) and refuses every other method
// with 405. The dev cluster's registry listens on the node's address so that pods can pull and
// verify images; nothing may push through that address, because unlike loopback it is reachable
// from every pod and, depending on the host's firewall, from other machines.
func ReadOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "this address of the dev registry is read-only; push to its 127.0.0.1 address",
				http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
