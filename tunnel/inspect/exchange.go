package inspect

import (
	"net/http"
	"time"
)

// Exchange is one recorded request and its response.
type Exchange struct {
	ID uint64 `json:"id"`

	// ReplayOf is the ID of the exchange this one replayed, 0 for traffic.
	ReplayOf uint64 `json:"replayOf,omitempty"`

	Start      time.Time `json:"start"`
	RemoteAddr string    `json:"remoteAddr"`

	// HeaderAfter is the time from Start until the response header was
	// sent (0 if it never was); Duration until the handler returned.
	HeaderAfter time.Duration `json:"headerAfterNs"`
	Duration    time.Duration `json:"durationNs"`

	Request  Request  `json:"request"`
	Response Response `json:"response"`

	// Error is what went wrong, for a replay that got no response, or the
	// error the handler returned.
	Error string `json:"error,omitempty"`

	// secrets holds the redacted request headers' real values, for replay.
	// It is never shown.
	secrets http.Header
	size    int64  // bytes accounted against Config.MaxBytes
	seq     uint64 // order of addition to the store
}

// Request is the recorded request.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"` // as the client sent it (RequestURI)
	Host   string      `json:"host"`
	Proto  string      `json:"proto"`
	Header http.Header `json:"header"`
	Body
}

// Response is the recorded response. A handler that returned a status
// >= 400 without writing (the httpmw contract) shows that status and no
// body: the page is written outside the middleware.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body
	// Hijacked is true when the handler took over the connection
	// (WebSocket and other upgrades); nothing after is recorded.
	Hijacked bool `json:"hijacked,omitempty"`
}

// Body is a recorded body: at most Config.MaxBodyBytes of it.
type Body struct {
	Body      []byte `json:"body"`      // the captured bytes (base64 in JSON)
	BodySize  int64  `json:"bodySize"`  // bytes that went through, captured or not
	Truncated bool   `json:"truncated"` // Body holds only the first bytes
}

// summary is what the live list shows and the SSE stream sends.
type summary struct {
	ID          uint64  `json:"id"`
	ReplayOf    uint64  `json:"replayOf,omitempty"`
	Start       string  `json:"start"`
	Method      string  `json:"method"`
	URL         string  `json:"url"`
	Status      int     `json:"status"`
	DurationMS  float64 `json:"durationMs"`
	BodySize    int64   `json:"bodySize"`
	ContentType string  `json:"contentType,omitempty"`
	Error       string  `json:"error,omitempty"`
}

func (e *Exchange) summary() summary {
	return summary{
		ID:          e.ID,
		ReplayOf:    e.ReplayOf,
		Start:       e.Start.UTC().Format(time.RFC3339Nano),
		Method:      e.Request.Method,
		URL:         e.Request.URL,
		Status:      e.Response.Status,
		DurationMS:  float64(e.Duration.Microseconds()) / 1000,
		BodySize:    e.Response.BodySize,
		ContentType: e.Response.Header.Get("Content-Type"),
		Error:       e.Error,
	}
}

// footprint estimates the memory an exchange holds, for the byte bound.
func (e *Exchange) footprint() int64 {
	const fixed = 512 // the struct, maps and slice headers
	n := int64(fixed + len(e.RemoteAddr) + len(e.Error))
	n += int64(len(e.Request.Method) + len(e.Request.URL) + len(e.Request.Host) + len(e.Request.Proto))
	n += int64(len(e.Request.Body.Body) + len(e.Response.Body.Body))
	n += headerSize(e.Request.Header) + headerSize(e.Response.Header) + headerSize(e.secrets)
	return n
}

func headerSize(h http.Header) int64 {
	var n int64
	for k, vs := range h {
		n += int64(len(k)) + 32
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	return n
}
