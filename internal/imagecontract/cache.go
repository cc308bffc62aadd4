package imagecontract

import "container/list"

// cacheKey identifies a load. Contracts are immutable per image digest, so entries never expire;
// the cache is bounded by count instead.
type cacheKey struct {
	digest string
	path   string
}

// lru is a least-recently-used map of loaded contracts. It is not safe for concurrent use; the
// Loader guards it with its mutex.
type lru struct {
	max   int
	order *list.List // front is most recently used; values are *lruEntry
	items map[cacheKey]*list.Element
}

type lruEntry struct {
	key cacheKey
	val *Loaded
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[cacheKey]*list.Element{}}
}

func (c *lru) get(k cacheKey) (*Loaded, bool) {
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).val, true
}

func (c *lru) add(k cacheKey, v *Loaded) {
	if el, ok := c.items[k]; ok {
		el.Value.(*lruEntry).val = v
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruEntry{key: k, val: v})
	for c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int { return c.order.Len() }
