package gzip_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gzip"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer is a real listener serving a handler over one protocol.
type testServer struct {
	URL    string
	Client *http.Client // never decodes on its own: tests see the wire
	Proto  string
}

// protocols runs f once over HTTP/1.1 and once over HTTP/2 (TLS).
func protocols(t *testing.T, h http.Handler, f func(t *testing.T, s testServer)) {
	t.Run("HTTP/1.1", func(t *testing.T) {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.DisableCompression = true
		t.Cleanup(tr.CloseIdleConnections)
		f(t, testServer{URL: srv.URL, Client: &http.Client{Transport: tr}, Proto: "HTTP/1.1"})
	})
	t.Run("HTTP/2", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		t.Cleanup(srv.Close)
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.DisableCompression = true
		tr.ForceAttemptHTTP2 = true
		t.Cleanup(tr.CloseIdleConnections)
		f(t, testServer{URL: srv.URL, Client: &http.Client{Transport: tr}, Proto: "HTTP/2.0"})
	})
}

// get sends a GET with the given headers ("Key: value") and returns the
// response with its body read.
func (s testServer) get(t *testing.T, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return s.do(t, http.MethodGet, path, headers...)
}

func (s testServer) do(t *testing.T, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ": ")
		req.Header.Add(k, v)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proto != s.Proto {
		t.Fatalf("served over %s, want %s", resp.Proto, s.Proto)
	}
	return resp, body
}

// decode undoes the response's Content-Encoding.
func decode(t *testing.T, resp *http.Response, body []byte) []byte {
	t.Helper()
	out, err := decodeBody(resp, body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeBody is decode for goroutines other than the test's.
func decodeBody(resp *http.Response, body []byte) ([]byte, error) {
	switch ce := resp.Header.Get("Content-Encoding"); ce {
	case "":
		return body, nil
	case "gzip":
		zr, err := kgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip header: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %v", err)
		}
		return out, nil
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("zstd body: %v", err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unexpected Content-Encoding %q", ce)
	}
}

// compressed wraps h in gzip.New(c) behind the Adapter, as a user would.
func compressed(t *testing.T, c gzip.Config, h httpmw.Handler) http.Handler {
	t.Helper()
	mw, err := gzip.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return httpmw.ToHTTP(mw.Middleware(h))
}

// serve returns a handler writing body with the given headers.
func serve(body []byte, headers ...string) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		for _, kv := range headers {
			k, v, _ := strings.Cut(kv, ": ")
			w.Header().Set(k, v)
		}
		_, err := w.Write(body)
		return http.StatusOK, err
	})
}

// text is a body worth compressing: size bytes of HTML-ish lines.
func text(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		b.WriteString("<li class=\"item\">line ")
		b.WriteString(strings.Repeat("x", i%17))
		b.WriteString("</li>\n")
	}
	return b.Bytes()[:size]
}

// httpmwFunc adapts a plain handler function that writes its response.
func httpmwFunc(f func(http.ResponseWriter, *http.Request)) httpmw.Handler {
	return httpmw.FromHTTP(http.HandlerFunc(f))
}
