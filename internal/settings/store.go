package settings

import "sync/atomic"

// Store holds the current Settings for concurrent readers and swaps them atomically when the
// ConfigMap changes. Load never blocks on writers: reconcilers read settings on every pass, and
// a ConfigMap update must not stall them.
type Store struct {
	current atomic.Pointer[Settings]
}

// NewStore returns a Store holding initial.
func NewStore(initial Settings) *Store {
	s := &Store{}
	s.Set(initial)
	return s
}

// Load returns the current settings, or Defaults for a zero Store. The result is the caller's
// own copy; changing it does not affect the Store or other readers.
func (s *Store) Load() Settings {
	p := s.current.Load()
	if p == nil {
		return Defaults()
	}
	return p.DeepCopy()
}

// Set replaces the current settings. Readers see either the old or the new value, never a mix.
func (s *Store) Set(next Settings) {
	c := next.DeepCopy()
	s.current.Store(&c)
}
