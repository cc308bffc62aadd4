package actionregistry

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// Cache remembers the registry parsed from the last ConfigMap it saw, keyed by the ConfigMap's
// UID and resourceVersion, so that reconciles parse the registry only after it changed (parsing
// 100 entries takes milliseconds; a lookup, nanoseconds). A parse error is remembered too: the
// same ConfigMap fails the same way. Safe for concurrent use by the controller's workers.
type Cache struct {
	mu  sync.Mutex
	key string
	reg *Registry
	err error
}

// Parse returns Parse(cm.Data), from memory when cm is the ConfigMap seen last.
func (c *Cache) Parse(cm *corev1.ConfigMap) (*Registry, error) {
	key := string(cm.UID) + "/" + cm.ResourceVersion
	c.mu.Lock()
	defer c.mu.Unlock()
	// An object without resourceVersion (never stored, as in unit tests) is always parsed.
	if cm.ResourceVersion == "" || key != c.key {
		c.reg, c.err = Parse(cm.Data)
		c.key = key
	}
	return c.reg, c.err
}
