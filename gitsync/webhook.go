package gitsync

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// WebhookConfig configures the handler a push notification is sent to.
type WebhookConfig struct {
	// Secret is the HMAC key (GitHub, Gitea, Gogs), the token (GitLab), or
	// the bearer token (generic senders). Empty turns verification off: any
	// POST can then trigger a sync, which only costs a fetch, but do not
	// leave it empty on a public address.
	Secret string
	// MaxBody caps the request body in bytes. 0 means 1 MiB; push payloads
	// are usually a few KiB, GitHub's largest 25 MB.
	MaxBody int64
}

const defaultMaxBody = 1 << 20

// Webhook is the handler for push notifications. It answers at once and
// syncs in the background; a burst of pushes costs one or two syncs.
type Webhook struct {
	s   *Syncer
	cfg WebhookConfig
}

var _ httpmw.Handler = (*Webhook)(nil)

// Webhook returns the push notification handler for s. Mount it at the
// webhook's path; it answers every request it sees:
//
//   - 202 Accepted: a push to the tracked ref; a sync is queued.
//   - 200 OK: a verified request that does not deploy (another branch, a
//     ping, an event other than push).
//   - 401 without a signature or token, 403 with a wrong one (when Secret
//     is set), 400 for a payload that is not a push (the body says why,
//     such as a form Content-Type on a JSON body), 405 for a method other
//     than POST, 413 above MaxBody, 503 when s is not running.
//
// The payload is JSON, or GitHub's form encoding (payload=<JSON>, with
// Content-Type application/x-www-form-urlencoded). With Config.Branch
// unset, a push counts when it names the remote's default branch, as the
// last sync found it (any branch before a sync found it).
func (s *Syncer) Webhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.MaxBody < 0 {
		return nil, cfgerr.New("gitsync", "WebhookConfig.MaxBody", "must not be negative, got %d", cfg.MaxBody)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = defaultMaxBody
	}
	return &Webhook{s: s, cfg: cfg}, nil
}

// ServeHTTP implements httpmw.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return http.StatusMethodNotAllowed, nil
	}
	if r.ContentLength > h.cfg.MaxBody {
		return http.StatusRequestEntityTooLarge, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxBody+1))
	if err != nil {
		return http.StatusBadRequest, fmt.Errorf("gitsync: webhook: read body: %w", err)
	}
	if int64(len(body)) > h.cfg.MaxBody {
		return http.StatusRequestEntityTooLarge, nil
	}
	hk, err := parseHook(r.Header, body, h.cfg.Secret)
	switch {
	case errors.Is(err, errNoSignature):
		return http.StatusUnauthorized, fmt.Errorf("%w (%s, from %s)", err, hk.provider, r.RemoteAddr)
	case errors.Is(err, errBadSignature):
		return http.StatusForbidden, fmt.Errorf("%w (%s, from %s)", err, hk.provider, r.RemoteAddr)
	case err != nil:
		// The sender's mistake, in words: the messages hold no secret
		// and nothing of the body.
		_, _ = reply(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "gitsync: webhook: "))
		return 0, fmt.Errorf("%w (%s, from %s)", err, hk.provider, r.RemoteAddr)
	}
	if !h.s.running() {
		return http.StatusServiceUnavailable, nil
	}
	switch {
	case hk.action == hookPing:
		return reply(w, http.StatusOK, "pong")
	case hk.action == hookIgnore:
		return reply(w, http.StatusOK, "ignored: not a push event")
	case hk.ref != "" && !h.s.cfg.tracksRef(hk.ref, h.s.Status().Ref):
		return reply(w, http.StatusOK, "ignored: ref not tracked")
	}
	h.s.trigger()
	return reply(w, http.StatusAccepted, "accepted")
}

func reply(w http.ResponseWriter, code int, text string) (int, error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, err := io.WriteString(w, text+"\n")
	return code, err
}

// running reports whether the background loop is there to serve triggers.
func (s *Syncer) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.looping && !s.closed
}
