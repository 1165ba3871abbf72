package bolt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/store/bolt"
	"github.com/ecskit/ecs/store/internal/check"
)

// The crash test re-runs this test binary as a child that commits
// transactions in a loop and reports each committed revision on stdout.
// The parent SIGKILLs it mid-stream, reopens the file and checks that
// every reported commit survived and that the invariants hold: the bank
// total is conserved and crash/count equals the number of committed
// transactions, which each move money and increment the count atomically.

const (
	crashEnv      = "ECSKIT_BOLT_CRASH_CHILD"
	crashAccounts = 4
	crashInitial  = 100
	crashRounds   = 3
	crashCommits  = 25 // commits to observe before each kill
)

func crashAccount(i int) string { return fmt.Sprintf("bank/%d", i) }

// TestCrashChild is the child process. It does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		return
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	for range 20000 { // bounded, should the parent never kill it
		from, to := rng.IntN(crashAccounts), rng.IntN(crashAccounts)
		err := s.Update(context.Background(), func(tx store.Tx) error {
			a, err := readInt(tx, crashAccount(from))
			if err != nil {
				return err
			}
			amount := rng.IntN(a + 1)
			if err := tx.Put(crashAccount(from), itoa(a-amount)); err != nil {
				return err
			}
			b, err := readInt(tx, crashAccount(to))
			if err != nil {
				return err
			}
			if err := tx.Put(crashAccount(to), itoa(b+amount)); err != nil {
				return err
			}
			n, err := readInt(tx, "crash/count")
			if err != nil {
				return err
			}
			return tx.Put("crash/count", itoa(n+1))
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", s.Revision())
	}
}

func TestCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ecs.db")
	s, err := bolt.Open(path)
	check.NoError(t, err)
	check.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		for i := range crashAccounts {
			if err := tx.Put(crashAccount(i), itoa(crashInitial)); err != nil {
				return err
			}
		}
		return tx.Put("crash/count", itoa(0))
	}))
	base := s.Revision()
	check.NoError(t, s.Close())

	for round := range crashRounds {
		reported := runAndKill(t, path)
		s, err := bolt.Open(path)
		check.NoError(t, err, "round %d: reopen", round)
		rev := s.Revision()
		check.True(t, rev >= reported, "round %d: revision %d lost commits reported up to %d", round, rev, reported)

		check.NoError(t, s.View(context.Background(), func(tx store.Tx) error {
			check.Equal(t, rev, tx.Revision())
			recs, err := tx.List("")
			check.NoError(t, err)
			check.Len(t, recs, crashAccounts+1)
			total := 0
			for _, r := range recs {
				check.True(t, r.Version > 0 && r.Version <= rev, "round %d: %s has version %d at revision %d", round, r.Key, r.Version, rev)
				if strings.HasPrefix(r.Key, "bank/") {
					total += atoi(t, r.Value)
				}
			}
			check.Equal(t, crashAccounts*crashInitial, total, "round %d: bank total", round)
			n, err := readInt(tx, "crash/count")
			check.NoError(t, err)
			check.Equal(t, rev-base, int64(n), "round %d: count of committed transactions", round)
			return nil
		}), "round %d", round)
		check.NoError(t, s.Close())
	}
}

// runAndKill runs the child until it has reported crashCommits commits,
// kills it with SIGKILL and returns the last revision it reported.
func runAndKill(t *testing.T, path string) int64 {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	check.NoError(t, err)
	check.NoError(t, cmd.Start())

	var last int64
	seen := 0
	sc := bufio.NewScanner(out)
	for seen < crashCommits && sc.Scan() {
		if rev, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			last, err = strconv.ParseInt(rev, 10, 64)
			check.NoError(t, err)
			seen++
		}
	}
	check.NoError(t, cmd.Process.Kill())
	werr := cmd.Wait()
	var exit *exec.ExitError
	check.True(t, errors.As(werr, &exit), "child ended with %v, want killed", werr)
	check.Equal(t, crashCommits, seen, "commits reported before the child ended")
	return last
}

func readInt(tx store.Tx, key string) (int, error) {
	r, err := tx.Get(key)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(r.Value))
}

func itoa(n int) []byte { return []byte(strconv.Itoa(n)) }

func atoi(t *testing.T, b []byte) int {
	t.Helper()
	n, err := strconv.Atoi(string(b))
	check.NoError(t, err)
	return n
}
