package actionexecution_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// BenchmarkActionExecution_creationToJob measures the time from creating an ActionExecution to
// its Job existing, on the real API server with the real manager: cold (a new image digest
// every run, so signature verification and the contract fetch go to the registry) and warm (the
// same digest, served from the verifier's and the loader's caches). It reports p50 and p99.
//
//	go test ./internal/controller/actionexecution -run '^$' -bench creationToJob -benchtime 50x
func BenchmarkActionExecution_creationToJob(b *testing.B) {
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) { benchCreationToJob(b, cold) })
	}
}

func benchCreationToJob(b *testing.B, cold bool) {
	reg := registrytest.Start(b)
	key := newSigner(b)
	ns := newNamespace(b, "bench")
	cp := newControlPlane(b, key.publicPEM, ns)
	publish := func(i int) string {
		// A distinct contract version gives a distinct digest: nothing is cached for it.
		ref := pushAction(b, reg, "actions/scale", benchContract(i))
		key.sign(b, ref)
		return ref.String()
	}
	image := publish(0)
	cp.writeRegistry(b, registryEntry{actionType: "test/scale", image: image})
	cp.startManager(b)
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Client.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	run := func(name string) time.Duration {
		ae := newActionExecution(ns, "test/scale", `{"deployment":"web"}`)
		ae.GenerateName, ae.Name = "", name
		jobAdded := watchJob(b, wc, ns, name) // watching first: the measurement is not rounded to a poll
		start := time.Now()
		create(b, ae)
		job, ok := <-jobAdded
		elapsed := time.Since(start)
		if !ok {
			b.Fatalf("no Job for ActionExecution %s/%s within %s", ns, name, eventually)
		}
		if got := job.Spec.Template.Spec.Containers[0].Image; got != image {
			b.Fatalf("Job %s runs %s, want the registry's current image %s", name, got, image)
		}
		return elapsed
	}
	run("warm-up") // caches, informers and connections are up

	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if cold {
			b.StopTimer()
			image = publish(i + 1)
			cp.writeRegistry(b, registryEntry{actionType: "test/scale", image: image})
			time.Sleep(200 * time.Millisecond) // the manager's cache sees the new registry
			b.StartTimer()
		}
		durations = append(durations, run(fmt.Sprintf("run-%d", i)))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(percentile(durations, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(durations, 99).Microseconds())/1000, "p99-ms")
}

// watchJob returns a channel that receives the Job named name when it appears in ns, and is
// closed without it when the watch ends first.
func watchJob(b testing.TB, wc client.WithWatch, ns, name string) <-chan *batchv1.Job {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	w, err := wc.Watch(ctx, &batchv1.JobList{}, client.InNamespace(ns), client.MatchingFields{"metadata.name": name})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	added := make(chan *batchv1.Job, 1)
	go func() {
		defer cancel()
		defer w.Stop()
		defer close(added)
		for ev := range w.ResultChan() {
			if job, ok := ev.Object.(*batchv1.Job); ok && ev.Type == watch.Added {
				added <- job
				return
			}
		}
	}()
	return added
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// benchContract is scaleContract with version v1.2.<i>.
func benchContract(i int) string {
	return fmt.Sprintf(`apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: scale-test
  version: v1.2.%d
spec:
  inputs:
    - name: deployment
      type: string
      required: true
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, patch]
`, i)
}
