package secrets

import (
	"crypto/rand"
	"log/slog"
	"sync"
	"time"
)

// DefaultAccount is the account in ARNs unless WithAccount says otherwise.
const DefaultAccount = "000000000000"

// Store is an in-memory SSM Parameter Store and Secrets Manager. It is
// safe for concurrent use and implements Provider.
type Store struct {
	mu      sync.RWMutex
	params  map[string]*parameter // by name
	secrets map[string]*secret    // by name

	region, account string
	now             func() time.Time
	random          func(b []byte)
	log             *slog.Logger
}

// Option configures NewStore.
type Option func(*Store)

// WithRegion sets the region of ARNs (default us-east-1).
func WithRegion(r string) Option { return func(s *Store) { s.region = r } }

// WithAccount sets the account of ARNs (default DefaultAccount).
func WithAccount(a string) Option { return func(s *Store) { s.account = a } }

// WithClock sets the time source (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithRandom sets the source of ARN suffixes and version IDs (default
// crypto/rand), so tests can fix them.
func WithRandom(fill func(b []byte)) Option { return func(s *Store) { s.random = fill } }

// WithLogger sets the logger (default: discard). Values are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// NewStore returns an empty Store.
func NewStore(opts ...Option) *Store {
	s := &Store{
		params:  map[string]*parameter{},
		secrets: map[string]*secret{},
		region:  "us-east-1",
		account: DefaultAccount,
		now:     time.Now,
		random:  func(b []byte) { _, _ = rand.Read(b) },
		log:     slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// suffix is the six characters Secrets Manager appends to a secret's ARN.
func (s *Store) suffix() string {
	b := make([]byte, 6)
	s.random(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// uuid is a random version 4 UUID.
func (s *Store) uuid() string {
	var b [16]byte
	s.random(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}
