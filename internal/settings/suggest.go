package settings

import "strings"

// maxSuggestDistance is how far a typo may be from a known key to be suggested. Two edits catch
// a dropped, doubled or swapped letter without suggesting unrelated keys.
const maxSuggestDistance = 2

// closestKey returns the known key nearest to key, ignoring case, if it is within
// maxSuggestDistance edits; ties go to the first key in sorted order.
func closestKey(key string) string {
	best, bestDistance := "", maxSuggestDistance+1
	for _, known := range Keys() {
		if diff := len(key) - len(known); diff > maxSuggestDistance || -diff > maxSuggestDistance {
			continue // too far apart in length alone; also keeps a huge key cheap
		}
		if d := editDistance(strings.ToLower(key), strings.ToLower(known)); d < bestDistance {
			best, bestDistance = known, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b in bytes, with two rows of memory.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
