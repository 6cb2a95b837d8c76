package inspect

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/clientip"
)

// Handler returns the web UI and its JSON API, meant for the local
// developer, as an httpmw.Handler like every handler of the library (see
// gitsync's StatusHandler): serve it with httpmw.ToHTTP at the root of its
// own listener (the devserver uses 127.0.0.1:4040), or under a prefix with
// http.StripPrefix, the prefix ending in "/". Routes, relative to where it
// is mounted:
//
//	GET  /                         the page: live list, detail, replay
//	GET  /api/exchanges            summaries of the kept exchanges (JSON)
//	GET  /api/exchanges/{id}       one exchange with its bodies shaped for display
//	POST /api/exchanges/{id}/replay replay it; the body is an optional Edit (JSON)
//	GET  /api/events               text/event-stream: a summary per new exchange
//
// Unless Config.AllowRemote is set, peers that are not loopback and Host
// names that are not loopback get 403, returned unwritten for the edge's
// error page. The API writes its own errors, as JSON, and returns 0. Cross-origin POSTs are refused
// (http.CrossOriginProtection), so another site open in the browser cannot
// replay requests.
func (in *Inspector) Handler() httpmw.Handler {
	mux := http.NewServeMux()
	page := in.page()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", page.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		io.WriteString(w, page.html)
	})
	mux.HandleFunc("GET /api/exchanges", in.serveList)
	mux.HandleFunc("GET /api/exchanges/{id}", in.serveDetail)
	mux.HandleFunc("POST /api/exchanges/{id}/replay", in.serveReplay)
	mux.HandleFunc("GET /api/events", in.serveEvents)
	protected := http.NewCrossOriginProtection().Handler(mux)
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if !in.cfg.remote && !(loopbackPeer(r.RemoteAddr) && loopbackHost(r.Host)) {
			return http.StatusForbidden, nil
		}
		protected.ServeHTTP(w, r)
		return 0, nil
	})
}

// loopbackPeer reports whether a RemoteAddr ("ip:port") is a loopback
// address. Anything unparsable is not.
func loopbackPeer(remote string) bool {
	a, ok := clientip.Peer(remote)
	return ok && a.IsLoopback()
}

// loopbackHost reports whether the Host header names this machine by a
// loopback name or address; another name pointing here is DNS rebinding.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ascii.EqualFold(host, "localhost") || ascii.HasSuffixFold(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (in *Inspector) serveList(w http.ResponseWriter, r *http.Request) {
	all := in.store.all()
	out := make([]summary, len(all))
	for i, e := range all {
		out[i] = e.summary()
	}
	writeJSON(w, http.StatusOK, out)
}

// detail is an exchange as the detail view wants it.
type detail struct {
	Exchange
	RequestShown  shownBody `json:"requestShown"`
	ResponseShown shownBody `json:"responseShown"`
	Replayable    bool      `json:"replayable"`
}

func (in *Inspector) detailOf(e Exchange) detail {
	return detail{
		Exchange:      e,
		RequestShown:  showRecorded(e.Request.Header, e.Request.Body.Body),
		ResponseShown: showRecorded(e.Response.Header, e.Response.Body.Body),
		Replayable:    in.cfg.target != nil && !e.Request.Truncated,
	}
}

func (in *Inspector) serveDetail(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad id")
		return
	}
	e, ok := in.Exchange(id)
	if !ok {
		writeError(w, http.StatusNotFound, ErrNotFound.Error())
		return
	}
	writeJSON(w, http.StatusOK, in.detailOf(e))
}

func (in *Inspector) serveReplay(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad id")
		return
	}
	var edit *Edit
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(in.cfg.maxBody)+64<<10))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "edit too large")
		return
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		edit = new(Edit)
		if err := json.Unmarshal(body, edit); err != nil {
			writeError(w, http.StatusBadRequest, "edit is not valid JSON: "+err.Error())
			return
		}
	}
	ex, err := in.Replay(r.Context(), id, edit)
	switch {
	case errors.Is(err, ErrReplayOff), errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrTruncatedBody):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrBadEdit):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil && ex.ID != 0:
		writeJSON(w, http.StatusBadGateway, in.detailOf(ex)) // recorded, with its Error
	case err != nil:
		writeError(w, http.StatusInternalServerError, "replay failed")
	default:
		writeJSON(w, http.StatusOK, in.detailOf(ex))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// pageParts is the UI page and the Content-Security-Policy that allows
// exactly its inline style and script, by hash.
type pageParts struct{ html, csp string }

func (in *Inspector) page() pageParts {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	replay := "off"
	if in.cfg.target != nil {
		replay = "on"
	}
	html := fmt.Sprintf(pageHTML, pageCSS, replay, pageJS)
	csp := "default-src 'none'; style-src " + hash(pageCSS) + "; script-src " + hash(pageJS) +
		"; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return pageParts{html: html, csp: csp}
}
