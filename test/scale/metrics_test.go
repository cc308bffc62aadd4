package scale_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sample is one series of a Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads the manager's Prometheus endpoint. The text format is parsed here, in a few
// lines, because only counters and gauges without escaped label values are read.
func scrape(ctx context.Context, url string) ([]sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[cut+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("scrape %s: value of %q: %w", url, line, err)
		}
		out = append(out, parseSeries(line[:cut], v))
	}
	return out, sc.Err()
}

func parseSeries(series string, v float64) sample {
	s := sample{name: series, labels: map[string]string{}, value: v}
	open := strings.IndexByte(series, '{')
	if open < 0 {
		return s
	}
	s.name = series[:open]
	for _, pair := range strings.Split(strings.TrimSuffix(series[open+1:], "}"), `",`) {
		if k, val, ok := strings.Cut(pair, `="`); ok {
			s.labels[k] = strings.TrimSuffix(val, `"`)
		}
	}
	return s
}

// sumBy adds up the series of metric by the value of label ("" sums everything under "").
func sumBy(samples []sample, metric, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range samples {
		if s.name == metric {
			out[s.labels[label]] += s.value
		}
	}
	return out
}

// heapSampler records the highest go_memstats_heap_inuse_bytes it scrapes while it runs.
type heapSampler struct {
	mu   sync.Mutex
	peak float64
	err  error
	stop context.CancelFunc
	done chan struct{}
}

// sampleHeap scrapes url every interval until stopped.
func sampleHeap(url string, interval time.Duration) *heapSampler {
	ctx, cancel := context.WithCancel(context.Background())
	h := &heapSampler{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			h.record(ctx, url)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) record(ctx context.Context, url string) {
	samples, err := scrape(ctx, url)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && h.err == nil {
			h.err = err
		}
		return
	}
	h.peak = max(h.peak, sumBy(samples, "go_memstats_heap_inuse_bytes", "")[""])
}

// finish stops sampling and returns the peak heap in use, in MiB.
func (h *heapSampler) finish() (float64, error) {
	h.stop()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak / (1 << 20), h.err
}
