package settings

import (
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/equality"
)

// Store holds the current Settings for concurrent readers and swaps them atomically when the
// ConfigMap changes. Load never blocks on writers: reconcilers read settings on every pass, and
// a ConfigMap update must not stall them.
type Store struct {
	current atomic.Pointer[Settings]

	mu          sync.Mutex
	subscribers []chan struct{}
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
// When the value differs from the current one, every subscriber is notified.
func (s *Store) Set(next Settings) {
	c := next.DeepCopy()
	prev := s.current.Swap(&c)
	if prev != nil && equality.Semantic.DeepEqual(*prev, c) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subscribers {
		select {
		case ch <- struct{}{}:
		default: // a notification is already pending; one is enough
		}
	}
}

// Subscribe returns a channel that receives a value after each change of the settings. Changes
// that come while a notification is pending are folded into it: a subscriber learns that the
// settings changed, and Loads them.
func (s *Store) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribers = append(s.subscribers, ch)
	return ch
}
