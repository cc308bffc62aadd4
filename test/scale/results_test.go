package scale_test

import (
	"context"
	"testing"
	"time"
)

// scaleResult is what one scale measured, from the moment the workflows were created to the
// moment the last one Completed.
type scaleResult struct {
	workflows int
	wall      time.Duration
	// settled is how long the manager kept sending requests after the last workflow Completed;
	// they are counted, since the workflows caused them.
	settled time.Duration
	// requests counts the manager's API requests (client-go's rest_client_requests_total), by
	// HTTP method; byKind counts them by verb and resource at the proxy.
	requests map[string]float64
	byKind   map[string]int
	// reconciles counts controller-runtime's reconciles, by controller; reconcileSeconds is the
	// time they took, and workers how many run at once, which together tell how busy each
	// controller's workers were.
	reconciles, reconcileSeconds, workers map[string]float64
	// cpu is the CPU time (user and system) of each process on the machine's cores over the
	// run, settling included, in seconds.
	cpu map[string]float64
	// registry counts the registry's requests by method and kind.
	registry map[string]int
	// events counts the events recorded in the runs namespace by object kind and reason.
	events map[string]int
	// peakRSS is the process's peak resident memory (VmHWM) over its whole life, start included;
	// peakHeap is the highest Go heap in use sampled while the workflows ran; settledHeap is the
	// heap in use once the manager settled, closest to what it keeps (the cache of every
	// workflow, run and Job, finished ones included). All in MiB.
	peakRSS, peakHeap, settledHeap float64
}

func (r *scaleResult) steps() float64 { return float64(r.workflows * stepsPerWorkflow) }

func (r *scaleResult) requestsPerStep() float64 { return total(r.requests) / r.steps() }

// observation is the counters read just before the workflows are created, so that the
// figures count only what the workflows caused, and the heap sampler started then.
type observation struct {
	metrics         []sample
	kinds, registry map[string]int
	cpuMeter        *cpuMeter
	cpu             map[string]float64
	heap            *heapSampler
}

// observe reads the counters of the manager, the proxy, the registry and the processes' CPU
// time, and starts sampling the manager's heap.
func observe(b *testing.B, s *stack, m *managerProcess, proxy *countingProxy) *observation {
	b.Helper()
	meter, err := newCPUMeter(m.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	o := &observation{
		metrics: mustScrape(b, m.metricsURL),
		kinds:   proxy.snapshot(), registry: s.registryRequests.snapshot(),
		cpuMeter: meter, cpu: mustReadCPU(b, meter),
		heap: sampleHeap(m.metricsURL, 500*time.Millisecond),
	}
	b.Cleanup(func() { _, _ = o.heap.finish() }) // stops the sampler when the run fails early
	return o
}

// measure fills r with what changed since the observation, once the workflows have completed
// and the manager has settled.
func (o *observation) measure(b *testing.B, s *stack, m *managerProcess, proxy *countingProxy, r *scaleResult) {
	b.Helper()
	after := mustScrape(b, m.metricsURL)
	delta := func(metric, label string) map[string]float64 {
		return diff(sumBy(o.metrics, metric, label), sumBy(after, metric, label))
	}
	r.requests = delta("rest_client_requests_total", "method")
	r.reconciles = delta("controller_runtime_reconcile_total", "controller")
	r.reconcileSeconds = delta("controller_runtime_reconcile_time_seconds_sum", "controller")
	r.workers = sumBy(after, "controller_runtime_max_concurrent_reconciles", "controller")
	r.settledHeap = sumBy(after, "go_memstats_heap_inuse_bytes", "")[""] / (1 << 20)
	r.byKind = diffCounts(o.kinds, proxy.snapshot())
	r.registry = diffCounts(o.registry, s.registryRequests.snapshot())
	r.cpu = diff(o.cpu, mustReadCPU(b, o.cpuMeter))
	var err error
	if r.peakHeap, err = o.heap.finish(); err != nil {
		b.Fatalf("sample the manager's heap: %v", err)
	}
	r.peakRSS = m.peakRSSMiB(b)
}

// report records the figures as benchmark metrics; against a baseline of another scale measured
// in the same run it adds the ratios.
func (r *scaleResult) report(b *testing.B, baseline *scaleResult) {
	b.ReportMetric(r.wall.Seconds(), "wall-s")
	b.ReportMetric(float64(r.workflows)/r.wall.Seconds(), "workflows/s")
	b.ReportMetric(r.steps()/r.wall.Seconds(), "steps/s")
	b.ReportMetric(r.requestsPerStep(), "requests/step")
	b.ReportMetric(r.peakRSS, "peak-RSS-MiB")
	b.ReportMetric(r.peakHeap, "peak-heap-MiB")
	if baseline != nil && baseline != r {
		b.ReportMetric(r.requestsPerStep()/baseline.requestsPerStep(), "requests/step-vs-baseline")
		b.ReportMetric(r.peakRSS/baseline.peakRSS, "peak-RSS-vs-baseline")
	}
}

func mustReadCPU(b *testing.B, m *cpuMeter) map[string]float64 {
	b.Helper()
	cpu, err := m.read()
	if err != nil {
		b.Fatal(err)
	}
	return cpu
}

func mustScrape(b *testing.B, url string) []sample {
	b.Helper()
	samples, err := scrape(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	return samples
}

// diff returns after minus before, key by key.
func diff(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// diffCounts returns after minus before, key by key.
func diffCounts(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func total(m map[string]float64) float64 {
	var t float64
	for _, v := range m {
		t += v
	}
	return t
}
