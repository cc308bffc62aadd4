package settings

import (
	"math"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	defaults := Defaults().Retry // 10s base, 5m cap
	tests := []struct {
		name  string
		retry RetrySettings
		n     int
		want  time.Duration
	}{
		{"the first retry waits the base", defaults, 1, 10 * time.Second},
		{"the second retry waits twice the base", defaults, 2, 20 * time.Second},
		{"the fifth retry waits sixteen times the base", defaults, 5, 160 * time.Second},
		{"the sixth retry reaches the cap", defaults, 6, 5 * time.Minute},
		{"the hundredth retry stays at the cap without overflowing", defaults, 100, 5 * time.Minute},
		{"the largest attempt number stays at the cap", defaults, math.MaxInt, 5 * time.Minute},
		{"attempt zero is treated as the first retry", defaults, 0, 10 * time.Second},
		{"a negative attempt is treated as the first retry", defaults, -3, 10 * time.Second},
		{"a cap below the base wins", RetrySettings{Base: time.Minute, Cap: time.Second}, 1, time.Second},
		{"a huge cap still never overflows",
			RetrySettings{Base: time.Second, Cap: time.Duration(math.MaxInt64)}, 100, time.Duration(math.MaxInt64)},
		{"a huge cap keeps doubling below it", RetrySettings{Base: time.Second, Cap: time.Duration(math.MaxInt64)}, 11, 1024 * time.Second},
		{"zero settings give no delay", RetrySettings{}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.retry.Backoff(tt.n); got != tt.want {
				t.Errorf("Backoff(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}
