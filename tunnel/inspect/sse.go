package inspect

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// sseKeepAlive is how often an idle stream sends a comment, so proxies and
// browsers keep it open and a gone client is noticed.
const sseKeepAlive = 15 * time.Second

// sseWriteTimeout bounds each write of a stream: a client that stops
// reading is cut then. It replaces the server's WriteTimeout, if any, which
// would cut every stream at that age. (A ReadTimeout does not matter:
// net/http lifts it once the request is read.)
const sseWriteTimeout = 2 * sseKeepAlive

// serveEvents streams a summary of every exchange as it is recorded: first
// all those kept (or those after Last-Event-ID on a reconnect), then new
// ones. The event id is the store's add counter, not the exchange ID,
// because exchanges finish out of order.
func (in *Inspector) serveEvents(w http.ResponseWriter, r *http.Request) {
	select {
	case <-in.done:
		http.Error(w, "503 Service Unavailable: inspector closed", http.StatusServiceUnavailable)
		return
	default:
	}
	rc := http.NewResponseController(w)
	// Errors are ignored: a writer without deadlines has no timeout to
	// replace.
	rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	var seq uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		seq, _ = strconv.ParseUint(v, 10, 64)
	}
	wake, stop := in.store.watch()
	defer stop()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		entries, last := in.store.since(seq)
		if len(entries) > 0 {
			for _, e := range entries {
				b, _ := json.Marshal(e.summary())
				w.Write([]byte("event: exchange\ndata: "))
				w.Write(b)
				w.Write([]byte("\n\n"))
			}
		}
		if last != seq {
			w.Write([]byte("id: " + strconv.FormatUint(last, 10) + "\n\n"))
			seq = last
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-wake:
		case <-tick.C:
			rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-in.done:
			return
		}
	}
}
