package logs

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The file's layout: groups/<name> and streams/<group>\x00<stream> hold
// JSON records; events/<stream id> is a bucket of events keyed by
// timestamp and sequence number (8 bytes each, big-endian, the timestamp's
// sign bit flipped so that keys sort as keys do), valued by the
// ingestion time (8 bytes) and the message.
var (
	bucketGroups  = []byte("groups")
	bucketStreams = []byte("streams")
	bucketEvents  = []byte("events")
)

type groupRec struct {
	CreationTime    int64  `json:"creationTime"`
	RetentionInDays int    `json:"retentionInDays,omitempty"`
	Class           string `json:"logGroupClass,omitempty"`
}

type streamRec struct {
	ID           uint64 `json:"id"`
	CreationTime int64  `json:"creationTime"`
	NextSeq      uint64 `json:"nextSeq"`
	LastIngest   int64  `json:"lastIngestionTime,omitempty"`
}

// OpenBolt opens (creating if need be) a store kept in a bbolt file as
// well as in memory; what the file holds is read back, within the
// store's bounds. Close the store to release the file.
func OpenBolt(path string, opts ...Option) (*Store, error) {
	s := NewMemory(opts...)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("logs: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketGroups, bucketStreams, bucketEvents} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	var trimmed map[*stream][]key
	if err == nil {
		trimmed, err = s.load(db)
	}
	if err == nil && len(trimmed) > 0 {
		s.db = db
		for st, keys := range trimmed {
			if err = s.persistEvents(st, nil, keys); err != nil {
				break
			}
		}
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("logs: read %s: %w", path, err)
	}
	s.db = db
	return s, s.Sweep()
}

// load reads the file into memory and returns, per stream, the events
// dropped to fit the store's byte bound.
func (s *Store) load(db *bolt.DB) (map[*stream][]key, error) {
	trimmed := map[*stream][]key{}
	return trimmed, db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
			var r groupRec
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			s.groups[string(k)] = &group{name: string(k), created: r.CreationTime, retentionDays: r.RetentionInDays, class: r.Class, streams: map[string]*stream{}}
			return nil
		})
		if err != nil {
			return err
		}
		events := tx.Bucket(bucketEvents)
		return tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			gname, sname, ok := strings.Cut(string(k), "\x00")
			g := s.groups[gname]
			if !ok || g == nil {
				return nil
			}
			var r streamRec
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			st := &stream{group: gname, name: sname, id: r.ID, created: r.CreationTime, nextSeq: r.NextSeq, lastIngest: r.LastIngest}
			s.nextStreamID = max(s.nextStreamID, r.ID)
			if b := events.Bucket(idKey(r.ID)); b != nil {
				if err := b.ForEach(func(ek, ev []byte) error {
					if len(ek) != 16 || len(ev) < 8 {
						return errors.New("malformed event")
					}
					e := stored{
						key:    key{int64(binary.BigEndian.Uint64(ek) ^ 1<<63), binary.BigEndian.Uint64(ek[8:])},
						ingest: int64(binary.BigEndian.Uint64(ev)),
						msg:    string(ev[8:]),
					}
					st.events = append(st.events, e)
					st.bytes += e.size()
					st.nextSeq = max(st.nextSeq, e.seq+1)
					return nil
				}); err != nil {
					return err
				}
			}
			if d := st.trim(s.maxStreamBytes, 0); len(d) > 0 {
				trimmed[st] = d
			}
			g.streams[sname] = st
			return nil
		})
	})
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func eventKey(k key) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(k.ts)^1<<63)
	return binary.BigEndian.AppendUint64(b, k.seq)
}

func streamKey(st *stream) []byte { return []byte(st.group + "\x00" + st.name) }

func (s *Store) persistGroup(g *group) error {
	if s.db == nil {
		return nil
	}
	v, _ := json.Marshal(groupRec{CreationTime: g.created, RetentionInDays: g.retentionDays, Class: g.class})
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketGroups).Put([]byte(g.name), v) })
}

func (s *Store) unpersistGroup(g *group) error {
	if s.db == nil {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, st := range g.streams {
			if err := deleteStream(tx, st); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketGroups).Delete([]byte(g.name))
	})
}

func (s *Store) persistStream(st *stream) error {
	if s.db == nil {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error { return putStreamRec(tx, st) })
}

func putStreamRec(tx *bolt.Tx, st *stream) error {
	v, _ := json.Marshal(streamRec{ID: st.id, CreationTime: st.created, NextSeq: st.nextSeq, LastIngest: st.lastIngest})
	return tx.Bucket(bucketStreams).Put(streamKey(st), v)
}

func (s *Store) unpersistStream(st *stream) error {
	if s.db == nil {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error { return deleteStream(tx, st) })
}

func deleteStream(tx *bolt.Tx, st *stream) error {
	if err := tx.Bucket(bucketEvents).DeleteBucket(idKey(st.id)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	return tx.Bucket(bucketStreams).Delete(streamKey(st))
}

// persistEvents writes added events and removes dropped ones in one
// transaction. Call with st.mu held.
func (s *Store) persistEvents(st *stream, added []stored, dropped []key) error {
	if s.db == nil {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketEvents).CreateBucketIfNotExists(idKey(st.id))
		if err != nil {
			return err
		}
		var gone map[key]bool
		if len(added) > 0 && len(dropped) > 0 {
			gone = make(map[key]bool, len(dropped))
		}
		for _, k := range dropped {
			if gone != nil {
				gone[k] = true
			}
			if err := b.Delete(eventKey(k)); err != nil {
				return err
			}
		}
		for _, e := range added {
			if gone[e.key] {
				continue
			}
			v := binary.BigEndian.AppendUint64(nil, uint64(e.ingest))
			if err := b.Put(eventKey(e.key), append(v, e.msg...)); err != nil {
				return err
			}
		}
		return putStreamRec(tx, st)
	})
}
