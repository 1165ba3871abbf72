package paginate

import (
	"slices"
	"testing"
)

func TestPageWalksEveryItemOnce(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	size := int64(2)
	var got []string
	token := ""
	for range 10 {
		pg, next, err := Page(items, id, &size, token, 100)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg...)
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(got, items) {
		t.Fatalf("pages = %q, want %q", got, items)
	}
}

func TestPageRejectsBadInput(t *testing.T) {
	id := func(s string) string { return s }
	bad := int64(101)
	if _, _, err := Page([]string{"a"}, id, &bad, "", 10); err == nil {
		t.Fatal("maxResults 101 accepted")
	}
	if _, _, err := Page([]string{"a"}, id, nil, "!!", 10); err == nil {
		t.Fatal("bad nextToken accepted")
	}
}
