// Command app is the program of ecskit's test image: a static binary in a
// FROM scratch image, scripted by its arguments or environment to behave
// like the containers the integration tests need.
//
// Usage:
//
//	app [flags]            run; with no flags, run until SIGTERM, then exit 143
//	app health [flags]     a health-check command: exit 0 healthy, 1 unhealthy
//
// Run flags, in the order they act:
//
//	-write path=content   write a file (parents created) at start; repeatable
//	-copy src=dst         copy a file at start; repeatable
//	-http addr            serve HTTP on addr: / says ok, /info reports args,
//	                      env, uid, gid, cwd and hostname as JSON, /file?path=p
//	                      returns a file, /alloc starts a child process that
//	                      allocates until the kernel kills it while this one
//	                      lives on (see OOM below); /alloc?then=exit exits
//	                      137 once the kernel killed that child
//	-alloc                allocate and touch memory until killed (OOM tests)
//	-oom-score-adj n      write n to /proc/self/oom_score_adj at start
//	-oom-after d          after duration d, allocate in a child until the
//	                      kernel kills it, then exit 137
//	-ignore-sigterm       ignore SIGTERM (stop-timeout tests)
//	-term-exit n          exit code after SIGTERM or SIGINT (default 143)
//	-run d                exit after duration d (default: run forever)
//	-exit n               exit code when -run elapses (default 0)
//	-print text           print text to stdout at start ($NAME expanded from the
//	                      environment; literal \n also breaks lines)
//	-print-every d        then print "tick N <unix ms>" every d
//
// Without a memory limit of at most 4 GiB, allocation stops at 512 MiB
// (and the program keeps running) to spare the host.
//
// OOM: an engine reports an OOM kill (the oom event, State.OOMKilled) only
// when the kill happens after the container's start returned (containerd
// watches the cgroup from then on) and while the cgroup still exists (when
// the container's only process is killed, the notification can be read
// after the cgroup was deleted, and is dropped). -alloc meets neither on a
// loaded engine; a GET of /alloc made after the start meets both, and so
// does -oom-after once d is past the start.
//
// Health flags: -file path (healthy iff it exists), -url u (healthy iff a
// GET answers 200); with neither, the container's environment decides:
// TESTAPP_HEALTHY=0 or ECSKIT_FAKE_HEALTH=unhealthy mean unhealthy, anything
// else healthy.
//
// Environment, read before the arguments (which win):
//
//	TESTAPP_<FLAG>                any run flag, e.g. TESTAPP_EXIT=3, TESTAPP_HTTP=:8080
//	ECSKIT_FAKE_RUN_FOR=10s       -run 10s        (the script of runtime/fake, so one
//	ECSKIT_FAKE_EXIT_CODE=3       -exit 3          task definition drives both the fake
//	ECSKIT_FAKE_IGNORE_SIGTERM=1  -ignore-sigterm  runtime and a real engine)
//	ECSKIT_FAKE_OOM=5s            -oom-after 5s
//	ECSKIT_FAKE_HEALTH=unhealthy  the health command fails
//	ECSKIT_FAKE_OUTPUT=text       -print text
//
// ECSKIT_FAKE_START_ERROR has no equivalent: a real engine starts the
// program whatever its environment says.
//
// It imports nothing outside the standard library.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv))
}

// run runs the program and returns its exit code.
func run(args []string, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "health" {
		return health(args[1:], getenv)
	}
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	var (
		writes, copies multi
		addr           = fs.String("http", "", "serve HTTP on `addr`")
		alloc          = fs.Bool("alloc", false, "allocate memory until killed")
		oomScoreAdj    = fs.String("oom-score-adj", "", "write this to /proc/self/oom_score_adj")
		oomAfter       = fs.Duration("oom-after", 0, "start -alloc after this long")
		ignoreTerm     = fs.Bool("ignore-sigterm", false, "ignore SIGTERM")
		termExit       = fs.Int("term-exit", 143, "exit code after SIGTERM or SIGINT")
		runFor         = fs.Duration("run", 0, "exit after this long (0: forever)")
		exitCode       = fs.Int("exit", 0, "exit code when -run elapses")
		printText      = fs.String("print", "", "print this at start")
		printEvery     = fs.Duration("print-every", 0, "print a numbered tick this often")
	)
	fs.Var(&writes, "write", "write `path=content`")
	fs.Var(&copies, "copy", "copy `src=dst`")
	if err := parse(fs, args, getenv); err != nil {
		return 2
	}

	if *oomScoreAdj != "" {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(*oomScoreAdj), 0); err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			return 3
		}
	}
	for _, w := range writes {
		path, content, _ := strings.Cut(w, "=")
		if err := writeFile(path, []byte(content)); err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			return 3
		}
	}
	for _, c := range copies {
		src, dst, _ := strings.Cut(c, "=")
		b, err := os.ReadFile(src)
		if err == nil {
			err = writeFile(dst, b)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "app:", err)
			return 3
		}
	}

	if *printText != "" {
		fmt.Println(strings.TrimSuffix(os.Expand(strings.ReplaceAll(*printText, `\n`, "\n"), getenv), "\n"))
	}
	if *printEvery > 0 {
		go func() {
			for n := 1; ; n++ {
				time.Sleep(*printEvery)
				fmt.Printf("tick %d %d\n", n, time.Now().UnixMilli())
			}
		}()
	}

	// Some notified signal must stay: with none, a program that only waits
	// would be declared deadlocked by the Go runtime.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGINT)
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(term, syscall.SIGTERM)
	}
	if *addr != "" {
		go func() {
			err := http.ListenAndServe(*addr, handler(args))
			fmt.Fprintln(os.Stderr, "app:", err)
			os.Exit(4)
		}()
	}
	switch {
	case *alloc:
		go allocate()
	case *oomAfter > 0:
		// The kill happens in a child, and this program then ends as the
		// OOM killer would have ended it, so that the engine sees it.
		go func() {
			time.Sleep(*oomAfter)
			if allocateInChild() {
				os.Exit(137)
			}
		}()
	}
	var done <-chan time.Time
	if *runFor > 0 {
		done = time.After(*runFor)
	}
	select {
	case <-term:
		return *termExit
	case <-done:
		return *exitCode
	}
}

// health is the health-check command.
func health(args []string, getenv func(string) string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	file := fs.String("file", "", "healthy iff this file exists")
	url := fs.String("url", "", "healthy iff a GET of this URL answers 200")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *file != "":
		if _, err := os.Stat(*file); err != nil {
			return 1
		}
		return 0
	case *url != "":
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(*url)
		if err != nil {
			return 1
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 1
		}
		return 0
	case getenv("TESTAPP_HEALTHY") == "0", getenv("ECSKIT_FAKE_HEALTH") == "unhealthy":
		return 1
	default:
		return 0
	}
}

// fakeScript maps the environment script of runtime/fake onto run flags.
var fakeScript = map[string]string{
	"ECSKIT_FAKE_RUN_FOR":        "run",
	"ECSKIT_FAKE_EXIT_CODE":      "exit",
	"ECSKIT_FAKE_IGNORE_SIGTERM": "ignore-sigterm",
	"ECSKIT_FAKE_OOM":            "oom-after",
	"ECSKIT_FAKE_OUTPUT":         "print",
}

// parse sets flags from the fake runtime's script, then from TESTAPP_<NAME>
// variables (NAME upper-cased, '-' as '_'), then from args.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var err error
	set := func(name, v string) {
		if v != "" && err == nil && fs.Lookup(name) != nil {
			err = fs.Set(name, v)
		}
	}
	for env, name := range fakeScript {
		set(name, getenv(env))
	}
	fs.VisitAll(func(f *flag.Flag) {
		set(f.Name, getenv("TESTAPP_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))))
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		return err
	}
	return fs.Parse(args)
}

// handler serves /, /info, /alloc and /file.
func handler(args []string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/info", func(w http.ResponseWriter, _ *http.Request) {
		cwd, _ := os.Getwd()
		host, _ := os.Hostname()
		json.NewEncoder(w).Encode(Info{
			Args:     append([]string{os.Args[0]}, args...),
			Env:      os.Environ(),
			UID:      os.Getuid(),
			GID:      os.Getgid(),
			Cwd:      cwd,
			Hostname: host,
		})
	})
	mux.HandleFunc("/alloc", func(w http.ResponseWriter, r *http.Request) {
		exit := r.URL.Query().Get("then") == "exit"
		go func() {
			if allocateInChild() && exit {
				os.Exit(137) // as if the kernel had killed this process
			}
		}()
		io.WriteString(w, "allocating\n")
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	return mux
}

// Info is the JSON document of /info.
type Info struct {
	Args     []string `json:"args"`
	Env      []string `json:"env"`
	UID      int      `json:"uid"`
	GID      int      `json:"gid"`
	Cwd      string   `json:"cwd"`
	Hostname string   `json:"hostname"`
}

// heap holds what allocate allocated, so the collector cannot free it.
var heap [][]byte

// allocate grows the heap by 1 MiB steps, touching every page, until the
// kernel kills the program, or up to 512 MiB when no memory limit of at
// most 4 GiB guards the host.
func allocate() {
	steps := -1
	if !memoryLimited() {
		steps = 512
	}
	for ; steps != 0; steps-- {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		heap = append(heap, b)
		time.Sleep(time.Millisecond)
	}
}

// allocateInChild runs this program again, with an empty environment (its
// script is not the child's), as a child that allocates until it is
// killed, the OOM killer's first choice, and reports how the child ended on
// stderr. It reports whether the kernel killed the child.
func allocateInChild() bool {
	exe, err := os.Executable()
	killed := false
	if err == nil {
		cmd := exec.Command(exe, "-oom-score-adj", "1000", "-alloc")
		cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdout, os.Stderr, []string{}
		err = cmd.Run()
		if cmd.ProcessState != nil {
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			killed = ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
	}
	fmt.Fprintln(os.Stderr, "app: allocating child:", err)
	return killed
}

// memoryLimited reports whether the program's cgroup (v1 or v2) has a
// memory limit of at most 4 GiB.
func memoryLimited() bool {
	for _, f := range []string{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return err == nil && n <= 4<<30
	}
	return false
}

// writeFile writes b to path, creating its parents.
func writeFile(path string, b []byte) error {
	if i := strings.LastIndex(path, "/"); i > 0 {
		if err := os.MkdirAll(path[:i], 0o777); err != nil {
			return err
		}
	}
	return os.WriteFile(path, b, 0o666)
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
