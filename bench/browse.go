package main

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/browse"
)

// browseComparisons sets browse against http.FileServer on the same
// folder: listings of 1,000 and 10,000 entries in process (ours stats
// every entry and renders the full page with sizes, times, icons and
// script, the peer lists bare names), a 4 KB file in process, and a 4 KB
// and a 1 MB file over loopback TCP with keep-alive clients (req/s), where
// both must use sendfile.
//
// The file cases build a folder per side and report the best of
// browseRounds runs of each metric: on a machine shared with other work,
// the best round is the one least disturbed, for both sides alike.
func browseComparisons() []Comparison {
	var all []Comparison
	for _, n := range []int{1_000, 10_000} {
		together := listingsTogether(n)
		all = append(all, Comparison{
			Package: "browse", Case: fmt.Sprintf("listing %d entries", n),
			Ours: together("httpmw"),
			Peers: []Peer{
				{"http.FileServer", together("http.FileServer")},
				// The confined stdlib server: an os.Root's FS lstats every
				// entry in ReadDir, as ours does.
				{"http.FileServerFS(os.Root)", together("http.FileServerFS(os.Root)")},
			},
		})
	}
	all = append(all, Comparison{
		Package: "browse", Case: "file 4 KB in process",
		Ours: withFolder(0, 4<<10, func(dir string) Runner {
			return withBrowse(dir, func(h http.Handler) Runner { return bestOf(GoBench(getLoop(h, "/file.bin"))) })
		}),
		Peers: []Peer{
			{"http.FileServer", withFolder(0, 4<<10, func(dir string) Runner {
				return bestOf(GoBench(getLoop(http.FileServer(http.Dir(dir)), "/file.bin")))
			})},
		},
	})
	for _, f := range []struct {
		name string
		size int
	}{{"file 4 KB over TCP", 4 << 10}, {"file 1 MB over TCP", 1 << 20}} {
		together := filesTogether(f.size)
		all = append(all, Comparison{
			Package: "browse", Case: f.name,
			Ours:  together("httpmw"),
			Peers: []Peer{{"http.FileServer", together("http.FileServer")}},
		})
	}
	return append(all, browseLoopbackComparisons()...)
}

// listingRounds is how many timed rounds each side of a listing gets,
// alternating with the others; listingRound is how long one lasts.
const (
	listingRounds = 9
	listingRound  = 150 * time.Millisecond
)

// listingsTogether lists one folder of n entries with ours and the peers
// in alternating rounds, so that the machine's other work hits all alike.
// Each side reports its fastest round's ns/op, its median round's
// ("median ns/op"), and the process CPU time per listing in its median
// round ("cpu ns/op": user and system time of all threads, so a side that
// spreads its work over cores pays for every core), with allocs/op and
// B/op.
func listingsTogether(n int) func(name string) Runner {
	return measuredTogether(func() (map[string]Figures, map[string]error) {
		figures, errs := map[string]Figures{}, map[string]error{}
		fail := func(err error) (map[string]Figures, map[string]error) {
			for _, name := range []string{"httpmw", "http.FileServer", "http.FileServerFS(os.Root)"} {
				errs[name] = err
			}
			return nil, errs
		}
		var sides []listingSide
		_, err := withFolder(n, 0, func(dir string) Runner {
			return func() (Figures, error) {
				s, err := browse.New(browse.Config{Root: dir, Listing: true})
				if err != nil {
					return nil, err
				}
				defer s.Close()
				root, err := os.OpenRoot(dir)
				if err != nil {
					return nil, err
				}
				defer root.Close()
				sides = []listingSide{
					{name: "httpmw", h: httpmw.ToHTTP(s)},
					{name: "http.FileServer", h: http.FileServer(http.Dir(dir))},
					{name: "http.FileServerFS(os.Root)", h: http.FileServerFS(root.FS())},
				}
				for i := range sides {
					sides[i].prepare()
				}
				for round := range listingRounds {
					for i := range sides {
						// Rotate who goes first, so no side always follows another.
						sides[(i+round)%len(sides)].timeRound()
					}
				}
				for i := range sides {
					figures[sides[i].name] = sides[i].figures()
				}
				return nil, nil
			}
		})()
		if err != nil {
			return fail(err)
		}
		return figures, errs
	})
}

// listingSide is one server's rounds in listingsTogether.
type listingSide struct {
	name          string
	h             http.Handler
	n             int // listings per round
	wall, cpu     []float64
	allocs, bytes float64
}

func (s *listingSide) serve() {
	r := httptest.NewRequest("GET", "/big/", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	s.h.ServeHTTP(&discard{h: http.Header{}}, r)
}

// prepare warms the side up, sizes its rounds and counts its allocations.
func (s *listingSide) prepare() {
	for range 3 {
		s.serve()
	}
	start := time.Now()
	s.serve()
	s.n = max(1, int(listingRound/max(time.Since(start), time.Nanosecond)))
	s.allocs, s.bytes = allocsPerOp(s.serve, 5)
}

func (s *listingSide) timeRound() {
	cpu0, t0 := processCPU(), time.Now()
	for range s.n {
		s.serve()
	}
	s.wall = append(s.wall, float64(time.Since(t0).Nanoseconds())/float64(s.n))
	s.cpu = append(s.cpu, float64(processCPU()-cpu0)/float64(s.n))
}

func (s *listingSide) figures() Figures {
	mid := len(s.wall) / 2
	slices.Sort(s.cpu)
	byWall := slices.Clone(s.wall)
	slices.Sort(byWall)
	return Figures{
		"ns/op": byWall[0], "median ns/op": byWall[mid], "cpu ns/op": s.cpu[mid],
		"allocs/op": s.allocs, "B/op": s.bytes,
	}
}

// processCPU is the user and system time this process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// withFolder makes a temp folder holding "big/" with n empty files and
// "file.bin" of size bytes, runs the runner made for it, and removes it.
func withFolder(n, size int, run func(dir string) Runner) Runner {
	return func() (Figures, error) {
		dir, err := os.MkdirTemp("", "httpmw-bench-browse-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		big := filepath.Join(dir, "big")
		if err := os.Mkdir(big, 0o755); err != nil {
			return nil, err
		}
		for i := range n {
			// Varied names and sizes, as in a real folder.
			name := fmt.Sprintf("file-%05d-%s.txt", i, strings.Repeat("x", i%20))
			if err := os.WriteFile(filepath.Join(big, name), make([]byte, i%4096), 0o644); err != nil {
				return nil, err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "file.bin"), make([]byte, size), 0o644); err != nil {
			return nil, err
		}
		return run(dir)()
	}
}

// withBrowse serves dir with browse, listings on, behind the adapter.
func withBrowse(dir string, run func(http.Handler) Runner) Runner {
	return func() (Figures, error) {
		s, err := browse.New(browse.Config{Root: dir, Listing: true})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		return run(httpmw.ToHTTP(s))()
	}
}

// getLoop requests path with a browser's Accept header.
func getLoop(h http.Handler, path string) func(b *testing.B) {
	return func(b *testing.B) {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		for b.Loop() {
			w := &discard{h: http.Header{}}
			h.ServeHTTP(w, r)
		}
	}
}

// fileRounds is how many load rounds each side of a file case gets,
// alternating with the other; fileRound is how long one lasts.
const (
	fileRounds = 6
	fileRound  = 500 * time.Millisecond
)

// filesTogether serves one folder's file.bin of size bytes with ours and
// with http.FileServer on loopback, and loads them with 8 keep-alive
// connections in alternating rounds. Each side reports its median
// round's req/s and latency percentiles (the main table's req/s is the
// one metric it reads as higher-is-better).
func filesTogether(size int) func(name string) Runner {
	return measuredTogether(func() (map[string]Figures, map[string]error) {
		figures, errs := map[string]Figures{}, map[string]error{}
		_, err := withFolder(0, size, func(dir string) Runner {
			return func() (Figures, error) {
				s, err := browse.New(browse.Config{Root: dir, Listing: true})
				if err != nil {
					return nil, err
				}
				defer s.Close()
				sides := []struct {
					name   string
					h      http.Handler
					url    string
					rounds []Figures
				}{
					{name: "httpmw", h: httpmw.ToHTTP(s)},
					{name: "http.FileServer", h: http.FileServer(http.Dir(dir))},
				}
				for i := range sides {
					srv := httptest.NewServer(sides[i].h)
					defer srv.Close()
					sides[i].url = srv.URL + "/file.bin"
					// One request first: a wrong answer must not be measured.
					if err := checkFile(sides[i].url, size); err != nil {
						errs[sides[i].name] = err
					}
				}
				for round := range fileRounds {
					for j := range sides {
						sd := &sides[(j+round)%len(sides)]
						if errs[sd.name] != nil {
							continue
						}
						f, err := Load(sd.url, 8, fileRound, nil)
						if err != nil {
							errs[sd.name] = err
							continue
						}
						sd.rounds = append(sd.rounds, f)
					}
				}
				for _, sd := range sides {
					if errs[sd.name] != nil {
						continue
					}
					slices.SortFunc(sd.rounds, func(a, b Figures) int { return cmp.Compare(b["req/s"], a["req/s"]) })
					mid := sd.rounds[len(sd.rounds)/2]
					figures[sd.name] = Figures{"req/s": mid["req/s"], "p50 µs": mid["p50 µs"], "p99 µs": mid["p99 µs"]}
				}
				return nil, nil
			}
		})()
		if err != nil {
			errs["httpmw"], errs["http.FileServer"] = err, err
		}
		return figures, errs
	})
}

// checkFile fetches url once and checks it answers 200 with size bytes.
func checkFile(url string, size int) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	n, _ := io.Copy(io.Discard, res.Body)
	if res.StatusCode != 200 || n != int64(size) {
		return fmt.Errorf("GET /file.bin: %d, %d bytes", res.StatusCode, n)
	}
	return nil
}

// browseRounds is how many times bestOf runs a measurement.
const browseRounds = 3

// bestOf runs r browseRounds times and keeps each metric's best value.
func bestOf(r Runner) Runner {
	return func() (Figures, error) {
		var best Figures
		for range browseRounds {
			f, err := r()
			if err != nil {
				return nil, err
			}
			if best == nil {
				best = f
				continue
			}
			for m, v := range f {
				if higherIsBetter[m] == (v > best[m]) {
					best[m] = v
				}
			}
		}
		return best, nil
	}
}
