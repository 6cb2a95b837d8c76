package gitsync

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/httpmw/httpmw"
)

// Status is a snapshot of what a Syncer serves and how its last sync went.
type Status struct {
	// Revision is the commit served now; empty before the first deploy.
	Revision string `json:"revision,omitempty"`
	// Ref is the remote ref it came from, such as refs/heads/main. With
	// Config.Branch unset it is the remote's default branch (what its HEAD
	// names), or HEAD when the remote does not say.
	Ref string `json:"ref,omitempty"`
	// Previous is the commit kept on disk for rollback, if any.
	Previous string `json:"previous,omitempty"`
	// Dir is the folder holding Revision (what the link points at). It is
	// left out of the JSON form: a status page should not show paths.
	Dir string `json:"-"`
	// LastSync is when the last sync finished, successful or not.
	LastSync time.Time `json:"last_sync,omitzero"`
	// LastChange is when Revision was deployed.
	LastChange time.Time `json:"last_change,omitzero"`
	// LastError is the last sync's error, empty after a success. A failed
	// Then shows here, and Revision is still the last good one. The JSON form
	// carries only its kind (see StatusHandler); the detail is logged.
	LastError string `json:"last_error,omitempty"`
	// Failures counts consecutive failed syncs.
	Failures int `json:"failures"`
}

// Status returns a snapshot of the Syncer's state.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Err returns the last sync's error, nil after a success or before any
// sync finished. It wraps what failed, for errors.Is: ErrThen,
// ErrRefNotFound, ErrClosed, a *net.OpError for an unreachable remote. The
// revision in Status is still served meanwhile.
func (s *Syncer) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *Syncer) record(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastSync = time.Now()
	s.lastErr = err
	if err != nil {
		s.status.LastError = redactURLs(err.Error(), s.cfg.URL)
		s.status.Failures++
		return
	}
	s.status.LastError = ""
	s.status.Failures = 0
}

func (s *Syncer) setRef(ref string) {
	s.mu.Lock()
	s.status.Ref = ref
	s.mu.Unlock()
}

func (s *Syncer) setDeployed(cur, prev deployed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.Revision = cur.hash.String()
	s.status.Dir = filepath.Join(s.cfg.Dest, worktreesDir, cur.name)
	s.status.Previous = ""
	if prev.name != "" {
		s.status.Previous = prev.hash.String()
	}
	s.status.LastChange = time.Now()
}

// StatusHandler serves Status as JSON to GET and HEAD requests, with status
// 503 while nothing is deployed or after a failed sync (so a health check
// sees it), 200 otherwise. Other methods get 405. It shows no paths,
// hosts or secrets: last_error names only the kind of failure.
func (s *Syncer) StatusHandler() httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			return http.StatusMethodNotAllowed, nil
		}
		s.mu.Lock()
		st, lastErr := s.status, s.lastErr
		s.mu.Unlock()
		if lastErr != nil {
			st.LastError = errorKind(lastErr)
		}
		body, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return http.StatusInternalServerError, err
		}
		code := http.StatusOK
		if st.Revision == "" || st.LastError != "" {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			_, _ = w.Write(append(body, '\n'))
		}
		if code >= 400 {
			return 0, nil // written: the contract keeps >= 400 for "write it for me"
		}
		return code, nil
	})
}

// errorKind is what the status page says about err: a category, never the
// text, which may hold paths, addresses or a URL.
func errorKind(err error) string {
	switch {
	case errors.Is(err, ErrThen):
		return "then command failed"
	case errors.Is(err, ErrRefNotFound):
		return "ref not found on the remote"
	case errors.Is(err, ErrDestNotEmpty), errors.Is(err, ErrOtherOrigin):
		return "destination refused"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted"
	}
	if ne := (net.Error)(nil); errors.As(err, &ne) {
		return "remote unreachable"
	}
	return "sync failed (details in the log)"
}
