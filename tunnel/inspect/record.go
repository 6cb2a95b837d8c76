package inspect

import (
	"net/http"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/respwriter"
)

// replayHeader marks the inspector's own replays, so the middleware does
// not record them a second time: Replay records the exchange itself. The
// value carries a per-Inspector random token that clients cannot guess.
const replayHeader = "X-Inspect-Replay"

// Middleware records every request that goes through it and the response
// next gives. The request body reaches next whole and unchanged; only the
// first Config.MaxBodyBytes of each body are kept.
func (in *Inspector) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if in.isOwnReplay(r) {
			r.Header.Del(replayHeader)
			return next.ServeHTTP(w, r)
		}
		ex := &Exchange{
			ID:         in.store.newID(),
			Start:      time.Now(),
			RemoteAddr: r.RemoteAddr,
			Request: Request{
				Method: r.Method,
				URL:    requestURI(r),
				Host:   r.Host,
				Proto:  r.Proto,
			},
		}
		ex.Request.Header, ex.secrets = redactHeader(r.Header, in.cfg.redact)

		reqCap := &capture{limit: in.cfg.maxBody}
		if r.ContentLength > 0 {
			// One allocation of the right size instead of append's growth.
			reqCap.buf = make([]byte, 0, min(r.ContentLength, int64(in.cfg.maxBody)))
		}
		var tee *teeBody
		if r.Body != nil && r.Body != http.NoBody {
			tee = &teeBody{rc: r.Body, cap: reqCap}
			r.Body = tee
			defer func() { r.Body = tee.rc }()
		}

		cw := &captureWriter{Writer: respwriter.Get(w), cap: capture{limit: in.cfg.maxBody}, start: ex.Start}
		defer respwriter.Put(cw.Writer)

		// A panic in next still propagates; the exchange is recorded with
		// what was seen, status 500 if nothing was written.
		status, err := 0, error(nil)
		defer func() {
			ex.Duration = max(time.Since(ex.Start), 1)
			ex.HeaderAfter = cw.headerAt
			if tee != nil && !cw.Hijacked() {
				tee.finish()
			}
			ex.Request.Body = reqCap.body()
			in.finishResponse(ex, cw, status, err)
			if v := recover(); v != nil {
				if ex.Response.Status == 0 {
					ex.Response.Status = http.StatusInternalServerError
				}
				ex.Error = "handler panicked"
				in.store.add(ex)
				panic(v)
			}
			in.store.add(ex)
		}()
		status, err = next.ServeHTTP(cw, r)
		return status, err
	})
}

func (in *Inspector) finishResponse(ex *Exchange, cw *captureWriter, status int, err error) {
	res := &ex.Response
	res.Hijacked = cw.Hijacked()
	switch {
	case cw.Written():
		res.Status = cw.Status()
		res.Header, _ = redactHeader(cw.Header(), in.cfg.redact)
		res.Body = cw.cap.body()
	default:
		// Nothing written: the status the handler returned is what the
		// caller will write (an error page), or 0 if unknown.
		res.Status = status
		res.Header = http.Header{}
	}
	if err != nil {
		ex.Error = err.Error()
	}
}

// requestURI is the URL as the client sent it, or rebuilt when the
// request was made in process.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}
