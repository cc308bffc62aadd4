// Package scale holds the benchmark of the real manager under load (issue 5, second figure):
// many concurrent four-step workflows, run by the manager binary built from cmd/manager as a
// process of its own, against a real kube-apiserver and etcd. The package has no tests, only a
// benchmark: `go test ./...` compiles it and runs nothing; it runs with
//
//	go test ./test/scale -run '^$' -bench . -benchtime 1x -timeout 30m
//
// The manager is measured from outside, the way an operator sees it: wall time and throughput
// from the workflows' status, API requests from its Prometheus endpoint (client-go's
// rest_client_requests_total) and from a counting proxy in front of the API server (which
// names the resource and verb of every request), peak memory from /proc (VmHWM) and its Go heap
// from the Prometheus endpoint.
package scale
