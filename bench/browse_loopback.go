package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/browse"
)

// The loopback listing rows serve one generated folder of n entries
// ("big/", as in the in-process rows) with ours, http.FileServer, nginx's
// autoindex and Caddy 2's file_server browse, each in a process of its
// own, and load GET /big/ with wrk -t1 -c8, as the proxy rows do: the Go
// sides are children of this binary started by rpStartGo, so "CPU µs/req"
// (from /proc, by wrkRound) is the server's alone, never wrk's.
// The sides take turns within each round and each reports its median
// round by req/s, with "page KB", the size of its listing page. No side
// compresses: wrk sends no Accept-Encoding.
//
// A round is long against one listing (a whole number of seconds, for
// wrk: blRound per 3,000 entries, at least blRound), because what a
// request cut off at the round's end burned counts in the CPU but not in
// the requests. A side slower than wrk's 2 s request timeout (Caddy at
// 10,000 entries, here) is "not measured" with wrk's timeout count.
const (
	blRounds = 5
	blRound  = time.Second
	blConns  = 8
)

// blRoundFor is the length of one round for a folder of n entries.
func blRoundFor(n int) time.Duration {
	return time.Duration(max(1, n/3000)) * blRound
}

const (
	blOursName  = "httpmw"
	blFSName    = "http.FileServer"
	blNginxName = "nginx autoindex, 1 worker"
	blCaddyName = "Caddy 2 file_server browse"
)

// blNames are the loopback listing sides, in the order of a first round.
var blNames = []string{blOursName, blFSName, blNginxName, blCaddyName}

// The Go sides join rpGoSides, so that rpStartGo and rpServe run them in a
// child; their first "upstream" argument carries the folder to serve.
// (A package-level variable is set before any init runs, rpServe's too.)
var _ = func() bool {
	rpGoSides["browse "+blOursName] = func(dir, _ string) (http.Handler, func(), error) {
		s, err := browse.New(browse.Config{Root: dir, Listing: true})
		if err != nil {
			return nil, nil, err
		}
		if os.Getenv(rpServeEnv) != "" {
			// In the child only: wrk cuts off its requests at the end of
			// each round, and the adapter would log every broken pipe.
			slog.SetDefault(slog.New(slog.DiscardHandler))
		}
		return httpmw.ToHTTP(s), func() { s.Close() }, nil
	}
	rpGoSides["browse "+blFSName] = func(dir, _ string) (http.Handler, func(), error) {
		return http.FileServer(http.Dir(dir)), func() {}, nil
	}
	return true
}()

// browseLoopbackComparisons are the listing rows over loopback.
func browseLoopbackComparisons() []Comparison {
	var all []Comparison
	for _, n := range []int{1_000, 10_000} {
		load := measuredTogether(func() (map[string]Figures, map[string]error) { return blLoadAll(n) })
		c := Comparison{
			Package: "browse", Case: fmt.Sprintf("listing %d entries over loopback, wrk -t1 -c%d", n, blConns),
			Ours: load(blOursName),
		}
		for _, name := range blNames[1:] {
			c.Peers = append(c.Peers, Peer{name, load(name)})
		}
		all = append(all, c)
	}
	return all
}

// blLoadAll starts every side on one folder of n entries and loads each in
// turn, blRounds times.
func blLoadAll(n int) (map[string]Figures, map[string]error) {
	errs := map[string]error{}
	fail := func(err error) (map[string]Figures, map[string]error) {
		for _, name := range blNames {
			errs[name] = err
		}
		return nil, errs
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return fail(errors.New("wrk not installed (apt-get install wrk)"))
	}
	self, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	var median map[string]Figures
	_, err = withFolder(n, 0, func(dir string) Runner {
		return func() (Figures, error) {
			// nginx's worker runs as nobody: it must read the folder.
			if err := os.Chmod(dir, 0o755); err != nil {
				return nil, err
			}
			targets := map[string]string{}
			pids := map[string]func() []int{}
			for _, name := range []string{blOursName, blFSName} {
				url, pid, stop, err := rpStartGo(self, "browse "+name, dir, "")
				if err != nil {
					errs[name] = err
					continue
				}
				defer stop()
				targets[name], pids[name] = url+"big/", func() []int { return []int{pid} }
			}
			if addr, pid, stop, err := blStartNginx(dir); err != nil {
				errs[blNginxName] = err
			} else {
				defer stop()
				targets[blNginxName] = "http://" + addr + "/big/"
				pids[blNginxName] = func() []int { return append([]int{pid}, fcgiChildPids(pid)...) }
			}
			if state, err := os.MkdirTemp("", "httpmw-bench-caddy"); err != nil {
				errs[blCaddyName] = err
			} else {
				defer os.RemoveAll(state)
				addr, pid, stop, err := startCaddy(state, fmt.Sprintf("\troot * %s\n\tfile_server browse", dir))
				if err != nil {
					errs[blCaddyName] = err
				} else {
					defer stop()
					targets[blCaddyName] = "http://" + addr + "/big/"
					pids[blCaddyName] = func() []int { return []int{pid} }
				}
			}
			// A wrong answer must not be measured: every side must list
			// the folder's last entry.
			last := fmt.Sprintf("file-%05d-%s.txt", n-1, strings.Repeat("x", (n-1)%20))
			size := map[string]float64{}
			for name, url := range targets {
				n, err := checkListing(url, last)
				if err != nil {
					errs[name] = fmt.Errorf("%s: %w", name, err)
				}
				size[name] = float64(n) / 1024
			}
			median = wrkTurns(blNames, targets, pids, blConns, blRoundFor(n), blRounds, errs)
			for name := range median {
				median[name]["page KB"] = size[name]
			}
			return nil, nil
		}
	})()
	if err != nil {
		return fail(err)
	}
	return median, errs
}

// checkListing fetches url once, checks it answers 200 with a page that
// names last, and returns the page's size in bytes.
func checkListing(url, last string) (int, error) {
	res, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != 200 || !bytes.Contains(body, []byte(last)) {
		return 0, fmt.Errorf("GET %s: %d, %d bytes, without %s", url, res.StatusCode, len(body), last)
	}
	return len(body), nil
}

// blStartNginx runs nginx in the foreground with one worker serving dir
// with autoindex on a free loopback port; its own files go to a temp dir.
func blStartNginx(dir string) (addr string, pid int, stop func(), err error) {
	return startNginx(func(addr string) string {
		return fmt.Sprintf(`	server {
		listen %s;
		root %s;
		location / { autoindex on; }
	}`, addr, dir)
	})
}
