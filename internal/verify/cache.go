package verify

import (
	"container/list"
	"sync"
	"time"
)

// resultCache holds verification outcomes keyed by policy hash and repository@digest, with a
// TTL per entry and least-recently-used eviction beyond maxEntries. A digest names immutable
// content, so a success stays true until the policy or the signatures change: the TTL bounds how
// long a revoked signature or rotated-out key keeps working. Failures expire sooner, so that a
// freshly signed image verifies within seconds.
type resultCache struct {
	mu         sync.Mutex
	maxEntries int
	entries    map[cacheKey]*list.Element
	lru        *list.List // front = most recently used; values are *cacheEntry
}

// cacheKey is a policy hash and the image: the digest reference as the caller wrote it, or the
// repository@digest a tag was resolved to. A struct rather than a concatenated string, so a
// lookup allocates nothing.
type cacheKey struct {
	policy string
	image  string
}

// String is the key as singleflight needs it.
func (k cacheKey) String() string { return k.policy + " " + k.image }

type cacheEntry struct {
	key     cacheKey
	result  *Result
	err     error
	expires time.Time
}

func newResultCache(maxEntries int) *resultCache {
	return &resultCache{maxEntries: maxEntries, entries: map[cacheKey]*list.Element{}, lru: list.New()}
}

// get returns a live entry. The result is a copy marked FromCache.
func (c *resultCache) get(key cacheKey, now time.Time) (*Result, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.lru.Remove(el)
		delete(c.entries, key)
		return nil, nil, false
	}
	c.lru.MoveToFront(el)
	if e.err != nil {
		return nil, e.err, true
	}
	r := e.result.clone()
	r.FromCache = true
	return r, nil, true
}

// put stores an outcome until expires, evicting the least recently used entries beyond the limit.
func (c *resultCache) put(key cacheKey, result *Result, err error, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &cacheEntry{key: key, err: err, expires: expires}
	if result != nil {
		e.result = result.clone()
	}
	if el, ok := c.entries[key]; ok {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(e)
	for c.lru.Len() > c.maxEntries {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).key)
	}
}
