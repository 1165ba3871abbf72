package watchlog

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/internal/check"
)

// events returns n put events of revision rev with values of size bytes.
func events(rev int64, n, size int) []store.Event {
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = store.Event{Type: store.EventPut, Revision: rev, Record: store.Record{
			Key: fmt.Sprintf("k%d", i), Value: []byte(strings.Repeat("x", size)), Version: rev}}
	}
	return evs
}

func TestBounds(t *testing.T) {
	for _, tc := range []struct {
		name                string
		maxEvents, maxBytes int
		appends             []int // events per revision, from revision 11
		size                int
		wantCompacted       int64
	}{
		{"within bounds", 10, 1 << 20, []int{3, 3, 3}, 0, 10},
		{"events drop whole revisions", 5, 1 << 20, []int{3, 3, 3}, 0, 12},
		{"the newest revision stays whole", 5, 1 << 20, []int{2, 20}, 0, 11},
		{"bytes", 100, 3 * (eventOverhead + 2 + 100), []int{1, 1, 1, 1, 1}, 100, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(10, tc.maxEvents, tc.maxBytes)
			defer l.Close()
			for i, n := range tc.appends {
				l.Append(int64(11+i), events(int64(11+i), n, tc.size))
			}
			check.Equal(t, tc.wantCompacted, l.Compacted())
			_, err := l.Watch(context.Background(), "", tc.wantCompacted-1)
			check.ErrorIs(t, err, store.ErrCompacted)
			w, err := l.Watch(context.Background(), "", tc.wantCompacted)
			check.NoError(t, err)
			check.Equal(t, tc.wantCompacted+1, (<-w.Events()).Revision)
		})
	}
}

func TestAppendOutOfOrderPanics(t *testing.T) {
	l := New(5, 0, 0)
	defer l.Close()
	check.PanicsWithValue(t, "watchlog: append of revision 7 after 5", func() { l.Append(7, events(7, 1, 0)) })
}

func TestCompactClampsAndNeverGoesBack(t *testing.T) {
	l := New(0, 0, 0)
	defer l.Close()
	for rev := int64(1); rev <= 3; rev++ {
		l.Append(rev, events(rev, 1, 0))
	}
	check.NoError(t, l.Compact(100))
	check.Equal(t, int64(3), l.Compacted())
	check.NoError(t, l.Compact(1))
	check.Equal(t, int64(3), l.Compacted())
	l.Append(4, events(4, 1, 0))
	w, err := l.Watch(context.Background(), "", 3)
	check.NoError(t, err)
	check.Equal(t, int64(4), (<-w.Events()).Revision)
}

func TestWatchArguments(t *testing.T) {
	l := New(0, 0, 0)
	_, err := l.Watch(context.Background(), "", -1)
	check.Error(t, err)

	w, err := l.Watch(context.Background(), "", 0)
	check.NoError(t, err)
	l.Close()
	_, ok := <-w.Events()
	check.False(t, ok, "a waiting watcher ends on Close")
	check.ErrorIs(t, w.Err(), store.ErrClosed)
	_, err = l.Watch(context.Background(), "", 0)
	check.ErrorIs(t, err, store.ErrClosed)
	check.ErrorIs(t, l.Compact(0), store.ErrClosed)
}
