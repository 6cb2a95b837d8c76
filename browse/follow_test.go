package browse

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

// writeRevision makes folder parent/rev-<n> whose every part says n: the
// file "data" holds "rev n" padded to 100+n bytes, "alias" is a symlink to
// it (a listing stats it through the root), "docs/index.html" holds "rev
// n", and the root holds an entry named "only-n".
func writeRevision(t testing.TB, parent string, n int) string {
	t.Helper()
	dir := filepath.Join(parent, fmt.Sprintf("rev-%d", n))
	tag := fmt.Sprintf("rev %d", n)
	writeFile(t, dir, "data", tag+strings.Repeat(".", 100+n-len(tag)))
	writeFile(t, dir, "docs/index.html", tag)
	writeFile(t, dir, fmt.Sprintf("only-%d", n), tag)
	if err := os.Symlink("data", filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pointLink points parent/<link> at target as deploy tools do: a new
// symlink renamed over the old one, so a path lookup sees one or the other.
func pointLink(t testing.TB, parent, link, target string) {
	t.Helper()
	tmp := filepath.Join(parent, "."+link+".tmp")
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(parent, link)); err != nil {
		t.Fatal(err)
	}
}

// openUnder lists the file descriptors of this process open on a path
// under dir (Linux only: nil elsewhere).
func openUnder(dir string) []string {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var open []string
	for _, fd := range fds {
		p, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(p, dir+string(filepath.Separator)) {
			open = append(open, p)
		}
	}
	return open
}

// revisionOf checks that one response was served from one revision and
// returns it.
func revisionOf(path string, body []byte) (int, error) {
	switch path {
	case "/data":
		tag, _, _ := strings.Cut(string(body), ".")
		n, err := strconv.Atoi(strings.TrimPrefix(tag, "rev "))
		if err != nil || len(body) != 100+n {
			return 0, fmt.Errorf("%s: %d bytes %.20q", path, len(body), body)
		}
		return n, nil
	case "/docs/":
		return strconv.Atoi(strings.TrimPrefix(string(body), "rev "))
	default: // a JSON listing of "/"
		var l jsonListing
		if err := json.Unmarshal(body, &l); err != nil {
			return 0, err
		}
		n, sizes := -1, map[string]int64{}
		for _, it := range l.Items {
			sizes[it.Name] = it.Size
			if rest, ok := strings.CutPrefix(it.Name, "only-"); ok {
				n, _ = strconv.Atoi(rest)
			}
		}
		// alias is stat'ed through the root after the folder is read: its
		// size is the data file's of the same revision.
		if len(l.Items) != 4 || n < 0 || sizes["data"] != int64(100+n) || sizes["alias"] != sizes["data"] {
			return 0, fmt.Errorf("listing mixes revisions: %s", body)
		}
		return n, nil
	}
}

// TestFollowsSwappedSymlink serves a Root that is a symlink renamed over,
// again and again, while readers fetch files, index pages and listings:
// each response comes whole from one revision, a reader never goes back
// to an older one, every reader ends on the last revision, and the roots
// of revisions no longer served are closed.
func TestFollowsSwappedSymlink(t *testing.T) {
	parent := t.TempDir()
	const revisions = 30
	for n := range revisions {
		writeRevision(t, parent, n)
	}
	pointLink(t, parent, "current", "rev-0")
	s, err := New(Config{Root: filepath.Join(parent, "current"), Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(httpmw.ToHTTP(s))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	fetch := func(path string) (int, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, err
		}
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("%s: %s %q", path, res.Status, body)
		}
		return revisionOf(path, body)
	}

	var (
		done    = make(chan struct{})
		wg      sync.WaitGroup
		fetched = make(chan struct{}, 1) // a reader got a response
	)
	paths := []string{"/data", "/docs/", "/"}
	errs := make(chan error, len(paths)*2)
	for i := range len(paths) * 2 {
		wg.Go(func() {
			path, seen := paths[i%len(paths)], 0
			for {
				finished := false
				select {
				case <-done:
					finished = true // one more fetch, after the last swap
				default:
				}
				n, err := fetch(path)
				if err == nil && n < seen {
					err = fmt.Errorf("%s: revision %d after %d", path, n, seen)
				}
				if err == nil && finished && n != revisions-1 {
					err = fmt.Errorf("%s: revision %d after the last swap to %d", path, n, revisions-1)
				}
				if err != nil {
					errs <- err
					return
				}
				seen = n
				select {
				case fetched <- struct{}{}:
				default:
				}
				if finished {
					return
				}
			}
		})
	}
	for n := 1; n < revisions; n++ {
		// Let a few requests through on each revision (unless readers
		// have failed: their errors are reported below).
		for range len(paths) {
			select {
			case <-fetched:
			case <-time.After(10 * time.Second):
			}
		}
		pointLink(t, parent, "current", fmt.Sprintf("rev-%d", n))
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Close waits for the handlers, which release their revision after
	// the client may have read the whole response.
	tr.CloseIdleConnections()
	srv.Close()
	if open := openUnder(parent); len(open) > 1 || (len(open) == 1 && open[0] != filepath.Join(parent, fmt.Sprintf("rev-%d", revisions-1))) {
		t.Errorf("open after the swaps: %q, want only the last revision's root", open)
	}
	s.Close()
	if open := openUnder(parent); len(open) != 0 {
		t.Errorf("open after Close: %q", open)
	}
}

// TestFollowKeepsServingWhenTargetBreaks: a link pointed at something that
// is not a folder, or at nothing, leaves the last good revision served
// (and confined); the next good target is picked up.
func TestFollowKeepsServingWhenTargetBreaks(t *testing.T) {
	parent := t.TempDir()
	writeRevision(t, parent, 0)
	writeRevision(t, parent, 1)
	writeFile(t, parent, "secret.txt", "outside the root")
	// The new revision tries to reach outside; the root still refuses it.
	if err := os.Symlink("../secret.txt", filepath.Join(parent, "rev-1", "up.txt")); err != nil {
		t.Fatal(err)
	}
	pointLink(t, parent, "current", "rev-0")
	st := &site{parent: parent, root: filepath.Join(parent, "current")}
	s, err := New(Config{Root: st.root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st.srv = httptest.NewServer(httpmw.ToHTTP(s))
	defer st.srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	st.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	want := func(path string, status int, body string) {
		t.Helper()
		res, got := st.get(t, "GET", path)
		if res.StatusCode != status || (body != "" && got != body) {
			t.Errorf("%s: %d %q, want %d %q", path, res.StatusCode, got, status, body)
		}
	}

	want("/docs/", 200, "rev 0")
	pointLink(t, parent, "current", "secret.txt") // a file
	want("/docs/", 200, "rev 0")
	pointLink(t, parent, "current", "missing") // dangling
	want("/docs/", 200, "rev 0")
	pointLink(t, parent, "current", "rev-1")
	want("/docs/", 200, "rev 1")
	want("/up.txt", 404, "")
	want("/../secret.txt", 400, "")
}

// TestFollowsLinkAboveRoot: a Root that goes through a symlink (here its
// parent folder is one) is followed too; a Root without any symlink is
// not stat'ed per request at all.
func TestFollowsLinkAboveRoot(t *testing.T) {
	parent := t.TempDir()
	writeRevision(t, parent, 0)
	writeRevision(t, parent, 1)
	pointLink(t, parent, "current", "rev-0")
	s, err := New(Config{Root: filepath.Join(parent, "current", "docs")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.follow == nil {
		t.Fatal("a Root under a symlink is not followed")
	}
	get := func() string {
		w := newRecorder()
		if status, err := s.ServeHTTP(w, newRequest("GET", "/")); status >= 400 || err != nil {
			t.Fatalf("GET /: %d %v", status, err)
		}
		return w.Body.String()
	}
	if got := get(); got != "rev 0" {
		t.Fatalf("before the swap: %q", got)
	}
	pointLink(t, parent, "current", "rev-1")
	if got := get(); got != "rev 1" {
		t.Fatalf("after the swap: %q", got)
	}

	plain, err := New(Config{Root: filepath.Join(parent, "rev-1")})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if plain.follow != nil {
		t.Error("a Root without symlinks is followed")
	}
}
