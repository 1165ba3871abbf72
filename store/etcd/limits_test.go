package etcd_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/etcd"
	"github.com/ecskit/ecs/store/etcd/etcdtest"
	"github.com/ecskit/ecs/store/internal/check"
)

// TestLimitsFitEtcdDefaults runs, against a server with etcd's default
// bounds, the fullest transaction the store's Limits allow: as many reads
// and writes as it reports, with a listed prefix and a delete (so the
// fence takes its write and its compare), and values that fill MaxBytes
// exactly. etcd must accept it; so the reserve for the encoding is enough.
func TestLimitsFitEtcdDefaults(t *testing.T) {
	srv := etcdtest.Start(t, etcdtest.WithMaxTxnOps(etcd.DefaultMaxTxnOps))
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Config{Endpoints: srv.Endpoints})
	check.NoError(t, err)
	defer s.Close()
	lim := s.Limits()
	check.Equal(t, etcd.DefaultMaxTxnOps-1, lim.MaxOps)
	check.True(t, lim.MaxBytes > etcd.DefaultMaxRequestBytes*99/100, "MaxBytes %d wastes more than 1%%", lim.MaxBytes)
	check.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.Put("del/x", []byte("x")) }))

	const list = "other/"
	gets := lim.MaxOps - 2 // besides the list and the read of del/x
	puts := lim.MaxOps - 1 // besides the delete of del/x
	getKey := func(i int) string { return fmt.Sprintf("r/%03d", i) }
	putKey := func(i int) string { return fmt.Sprintf("w/%03d", i) }
	fixed := 2*len(list) + gets*len(getKey(0)) + 2*len("del/x") + puts*len(putKey(0))
	valueSize := (lim.MaxBytes - fixed) / puts
	extra := lim.MaxBytes - fixed - valueSize*puts
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		for i := range gets {
			if _, err := tx.Get(getKey(i)); ignoreNotFound(err) != nil {
				return err
			}
		}
		if _, err := tx.Get("del/x"); err != nil {
			return err
		}
		if err := tx.Delete("del/x"); err != nil {
			return err
		}
		for i := range puts {
			size := valueSize
			if i == 0 {
				size += extra
			}
			if err := tx.Put(putKey(i), make([]byte, size)); err != nil {
				return err
			}
		}
		return nil
	})
	check.NoError(t, err, "the fullest transaction within %+v", lim)
}

// TestEtcdRefusalIsTooLarge tells the store of bounds above the server's:
// etcd's own refusals then match store.ErrTooLarge.
func TestEtcdRefusalIsTooLarge(t *testing.T) {
	srv := etcdtest.Start(t, etcdtest.WithMaxTxnOps(etcd.DefaultMaxTxnOps))
	ctx := context.Background()
	s, err := etcd.Open(ctx, etcd.Config{Endpoints: srv.Endpoints, MaxTxnOps: 1000, MaxRequestBytes: 8 << 20})
	check.NoError(t, err)
	defer s.Close()
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := range 200 {
			if err := tx.Put(fmt.Sprint("k", i), nil); err != nil {
				return err
			}
		}
		return nil
	})
	check.ErrorIs(t, err, store.ErrTooLarge, "200 writes")
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Put("big", make([]byte, 3<<20)) })
	check.ErrorIs(t, err, store.ErrTooLarge, "a value of 3 MiB")
	check.NoError(t, s.View(ctx, func(tx store.Tx) error {
		recs, err := tx.List("")
		check.Empty(t, recs)
		return err
	}))
}
