package settings

import "time"

// Backoff returns the delay before retry attempt n (n=1 is the first retry): Base*2^(n-1),
// capped at Cap. It never overflows, however large n is; n below 1 is treated as 1. The zero
// RetrySettings give no delay; a Cap below Base wins, so no delay ever exceeds Cap.
func (s RetrySettings) Backoff(n int) time.Duration {
	if s.Base <= 0 || s.Cap <= 0 {
		return 0
	}
	d := min(s.Base, s.Cap)
	for i := 1; i < n && d < s.Cap; i++ {
		if d > s.Cap/2 { // doubling would pass the cap (and, near MaxInt64, overflow)
			return s.Cap
		}
		d *= 2
	}
	return d
}
