// Package paginate cuts the pages of ECS List calls: maxResults between 1
// and 100, and an opaque nextToken that survives items added or removed
// between calls because it names the last key returned, not a position.
package paginate

import (
	"encoding/base64"
	"sort"

	"github.com/ecskit/ecs/types"
)

// Page cuts one page out of items, which must be sorted by key. The
// nextToken is opaque to callers: it encodes the last key returned.
func Page[T any](items []T, key func(T) string, maxResults *int64, nextToken string, defaultSize int) ([]T, string, error) {
	size := defaultSize
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, "", types.Errorf(types.InvalidParameterException, "maxResults must be between 1 and 100.")
		}
		size = int(*maxResults)
	}
	start := 0
	if nextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", types.Errorf(types.InvalidParameterException, "Invalid nextToken.")
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
