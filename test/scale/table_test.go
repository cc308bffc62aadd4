package scale_test

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// printTable prints the scales that ran side by side, the ratios of the largest to the
// baseline when both ran, and where a step's cost goes.
func printTable(w io.Writer, results map[int]*scaleResult) {
	var ran []*scaleResult
	for _, n := range scales {
		if r := results[n]; r != nil {
			ran = append(ran, r)
		}
	}
	if len(ran) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-9s %8s %11s %8s %9s %6s %6s %6s %6s %9s %9s %10s %10s %8s\n", "workflows", "wall", "workflows/s", "steps/s",
		"req/step", "GET", "POST", "PUT", "PATCH", "peak RSS", "peak heap", "RSS/wf", "heap after", "settled")
	for _, r := range ran {
		per := func(method string) float64 { return r.requests[method] / r.steps() }
		fmt.Fprintf(w, "%-9d %7.1fs %11.2f %8.2f %9.2f %6.2f %6.2f %6.2f %6.2f %5.1f MiB %5.1f MiB %6.2f MiB %6.1f MiB %7.1fs\n",
			r.workflows, r.wall.Seconds(), float64(r.workflows)/r.wall.Seconds(), r.steps()/r.wall.Seconds(), r.requestsPerStep(),
			per("GET"), per("POST"), per("PUT"), per("PATCH"), r.peakRSS, r.peakHeap, r.peakRSS/float64(r.workflows),
			r.settledHeap, r.settled.Seconds())
	}
	if base, top := ran[0], ran[len(ran)-1]; base != top {
		fmt.Fprintf(w, "\n%d vs %d: requests/step x%.2f, peak RSS x%.2f, RSS per workflow x%.2f, marginal RSS per added workflow %.0f KiB, steps/s x%.2f\n",
			top.workflows, base.workflows, top.requestsPerStep()/base.requestsPerStep(), top.peakRSS/base.peakRSS,
			(top.peakRSS/float64(top.workflows))/(base.peakRSS/float64(base.workflows)),
			(top.peakRSS-base.peakRSS)*1024/float64(top.workflows-base.workflows),
			(top.steps()/top.wall.Seconds())/(base.steps()/base.wall.Seconds()))
	}
	printCounts(w, "API requests per step by kind (at the proxy)", ran, func(r *scaleResult) map[string]int { return r.byKind })
	printCounts(w, "events recorded per step by object and reason", ran, func(r *scaleResult) map[string]int { return r.events })
	printCounts(w, "registry requests per step by kind", ran, func(r *scaleResult) map[string]int { return r.registry })
	printControllers(w, ran)
}

// printCounts prints counts per step, most frequent first, and their total, one column per
// scale.
func printCounts(w io.Writer, title string, ran []*scaleResult, counts func(*scaleResult) map[string]int) {
	fmt.Fprintf(w, "\n%-42s", title)
	for _, r := range ran {
		fmt.Fprintf(w, " %10s", fmt.Sprintf("%d wf", r.workflows))
	}
	fmt.Fprintln(w)
	top := counts(ran[len(ran)-1])
	for _, k := range append(slices.SortedFunc(maps.Keys(top), func(a, b string) int { return top[b] - top[a] }), "total") {
		fmt.Fprintf(w, "  %-40s", k)
		for _, r := range ran {
			n := counts(r)[k]
			if k == "total" {
				n = sumCounts(counts(r))
			}
			fmt.Fprintf(w, " %10.3f", float64(n)/r.steps())
		}
		fmt.Fprintln(w)
	}
}

// printControllers prints, per controller, reconciles per step, the mean reconcile time and
// how busy its workers were during the run; then the CPU time per step of each process.
func printControllers(w io.Writer, ran []*scaleResult) {
	fmt.Fprintf(w, "\nper controller: reconciles/step, mean reconcile, workers busy during the run\n")
	for _, c := range slices.Sorted(maps.Keys(ran[len(ran)-1].reconciles)) {
		fmt.Fprintf(w, "  %-18s", c)
		for _, r := range ran {
			// Over the wall time: the few reconciles while settling would not fill the workers.
			busy := r.reconcileSeconds[c] / r.wall.Seconds() / r.workers[c]
			fmt.Fprintf(w, "  %d wf: %5.2f/step %6.1f ms %3.0f%% of %.0f", r.workflows, r.reconciles[c]/r.steps(),
				1000*r.reconcileSeconds[c]/r.reconciles[c], 100*busy, r.workers[c])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nCPU time per step (ms), settling included\n")
	for _, p := range slices.Sorted(maps.Keys(ran[0].cpu)) {
		fmt.Fprintf(w, "  %-40s", p)
		for _, r := range ran {
			fmt.Fprintf(w, " %10.1f", 1000*r.cpu[p]/r.steps())
		}
		fmt.Fprintln(w)
	}
}

// sumCounts adds up the counts of every kind.
func sumCounts(m map[string]int) int {
	var t int
	for _, v := range m {
		t += v
	}
	return t
}
