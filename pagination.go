package ecs

import (
	"encoding/base64"
	"sort"
)

// page cuts one page out of items, which must be sorted by key. The
// nextToken is opaque to callers: it encodes the last key returned.
func page[T any](items []T, key func(T) string, maxResults *int64, nextToken string, defaultSize int) ([]T, string, error) {
	size := defaultSize
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, "", invalidParam("maxResults must be between 1 and 100.")
		}
		size = int(*maxResults)
	}
	start := 0
	if nextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", invalidParam("Invalid nextToken.")
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > string(after) })
	}
	end := min(start+size, len(items))
	out := items[start:end]
	next := ""
	if end < len(items) && end > start {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return out, next, nil
}
