package inspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/httpmw/httpmw/internal/httptoken"
)

// Edit changes a request before it is replayed. Zero fields keep what was
// recorded.
type Edit struct {
	// Method replaces the method, such as "POST".
	Method string `json:"method,omitempty"`

	// Path replaces the path and query, such as "/api/items?id=3". It must
	// start with "/": only the path and query are taken; the scheme and
	// host are always Config.Target's.
	Path string `json:"path,omitempty"`

	// Header, when not nil, replaces the recorded header. A value equal to
	// Redacted is sent as the value that was recorded.
	Header http.Header `json:"header,omitempty"`

	// Body, when not nil, replaces the recorded body.
	Body *string `json:"body,omitempty"`
}

// replayTimeout bounds one replay, from dial to the last body byte read.
const replayTimeout = 30 * time.Second

// hopHeaders are not replayed: they describe the original connection, or
// (Host, Content-Length) are set from the new request.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Host", "Content-Length", replayHeader,
}

// Replay sends the exchange with id again, changed by edit when it is not
// nil, to Config.Target, and records the new exchange with ReplayOf set.
// Redirects are not followed. The new exchange is returned even when the
// request failed (its Error says why), together with the error.
func (in *Inspector) Replay(ctx context.Context, id uint64, edit *Edit) (Exchange, error) {
	if in.cfg.target == nil {
		return Exchange{}, ErrReplayOff
	}
	orig := in.store.get(id)
	if orig == nil {
		return Exchange{}, ErrNotFound
	}
	if edit == nil {
		edit = &Edit{}
	}
	req, body, err := in.replayRequest(ctx, orig, edit)
	if err != nil {
		return Exchange{}, err
	}

	ex := &Exchange{
		ID:         in.store.newID(),
		ReplayOf:   orig.ID,
		Start:      time.Now(),
		RemoteAddr: "replay",
		Request: Request{
			Method: req.Method,
			URL:    req.URL.RequestURI(),
			Host:   req.URL.Host,
			Proto:  "HTTP/1.1",
			Body:   Body{Body: body, BodySize: int64(len(body))},
		},
	}
	shownHeader := req.Header.Clone()
	shownHeader.Del(replayHeader)
	ex.Request.Header, ex.secrets = redactHeader(shownHeader, in.cfg.redact)
	if len(body) > in.cfg.maxBody {
		ex.Request.Body.Body, ex.Request.Truncated = body[:in.cfg.maxBody:in.cfg.maxBody], true
	}

	ctx, cancel := context.WithTimeout(req.Context(), replayTimeout)
	defer cancel()
	res, err := in.client().Do(req.WithContext(ctx))
	if err != nil {
		ex.Duration = max(time.Since(ex.Start), 1)
		ex.Error = "replay failed: " + causeOf(err)
		in.store.add(ex)
		return ex.clone(), fmt.Errorf("inspect: replay of %d: %w", id, err)
	}
	defer res.Body.Close()
	ex.HeaderAfter = max(time.Since(ex.Start), 1)
	ex.Response.Status = res.StatusCode
	ex.Response.Header, _ = redactHeader(res.Header, in.cfg.redact)
	// Read one byte past the limit to know if the body was cut, and no
	// further: a streaming response would otherwise hold the replay open.
	c := &capture{limit: in.cfg.maxBody}
	_, err = io.Copy(c, io.LimitReader(res.Body, int64(in.cfg.maxBody)+1))
	ex.Response.Body = c.body()
	if res.ContentLength > ex.Response.BodySize {
		ex.Response.BodySize, ex.Response.Truncated = res.ContentLength, true
	}
	if err != nil {
		ex.Error = "reading the response: " + err.Error()
	}
	ex.Duration = max(time.Since(ex.Start), 1)
	in.store.add(ex)
	return ex.clone(), nil
}

func (in *Inspector) client() *http.Client {
	return &http.Client{
		Transport: in.cfg.transport,
		// A redirect could name any host; replay stays on the target.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// replayRequest builds the request to Config.Target from the recorded one
// and the edit. Only the recorded path and query are used, never its host.
func (in *Inspector) replayRequest(ctx context.Context, orig *Exchange, edit *Edit) (*http.Request, []byte, error) {
	method := orig.Request.Method
	if edit.Method != "" {
		method = edit.Method
	}
	if !validMethod(method) {
		return nil, nil, fmt.Errorf("%w: method %q", ErrBadEdit, method)
	}

	pathQuery := edit.Path
	if pathQuery == "" {
		pathQuery = originPath(orig.Request.URL)
	}
	u, err := targetURL(in.cfg.target, pathQuery)
	if err != nil {
		return nil, nil, err
	}

	h := orig.Request.Header.Clone()
	if edit.Header != nil {
		h = http.Header{}
		for k, vs := range edit.Header {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			if !httptoken.IsToken(k) {
				return nil, nil, fmt.Errorf("%w: header name %q", ErrBadEdit, k)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					return nil, nil, fmt.Errorf("%w: header %s has a line break", ErrBadEdit, k)
				}
			}
			h[k] = append([]string(nil), vs...)
		}
	}
	if h == nil {
		h = http.Header{}
	}
	for k, real := range orig.secrets {
		if vs, ok := h[k]; ok && allRedacted(vs) {
			h[k] = real
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}

	var body []byte
	switch {
	case edit.Body != nil:
		body = []byte(*edit.Body)
	case orig.Request.Truncated:
		return nil, nil, ErrTruncatedBody
	default:
		body = orig.Request.Body.Body
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadEdit, err)
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = h
	req.Header.Set(replayHeader, in.token)
	return req, body, nil
}

func allRedacted(vs []string) bool {
	for _, v := range vs {
		if v != Redacted {
			return false
		}
	}
	return len(vs) > 0
}

// originPath returns the path and query of a recorded request URI, which
// may be in absolute form ("GET http://host/x HTTP/1.1" to a proxy): the
// host in it is dropped.
func originPath(uri string) string {
	if strings.HasPrefix(uri, "/") {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil || u.Opaque != "" {
		return "/"
	}
	if p := u.RequestURI(); strings.HasPrefix(p, "/") {
		return p
	}
	return "/" // "*" of OPTIONS *: the app's root is the closest

}

// targetURL joins the target's scheme and host with pathQuery. Parsing
// pathQuery behind a fixed authority means "//evil.example/x" stays a path.
func targetURL(target *url.URL, pathQuery string) (*url.URL, error) {
	if !strings.HasPrefix(pathQuery, "/") {
		return nil, fmt.Errorf("%w: path must start with \"/\", got %q", ErrBadEdit, pathQuery)
	}
	const fixed = "inspect.invalid"
	p, err := url.Parse("http://" + fixed + pathQuery)
	if err != nil || p.Host != fixed || p.User != nil {
		return nil, fmt.Errorf("%w: path %q", ErrBadEdit, pathQuery)
	}
	u := *target
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p.Path, p.RawPath, p.RawQuery, ""
	return &u, nil
}

func validMethod(m string) bool {
	return httptoken.IsToken(m)
}

// causeOf drops the "Get URL:" prefix of a client error: the URL is shown
// beside it already.
func causeOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
