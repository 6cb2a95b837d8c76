// Package testhttp holds the small HTTP helpers that the tests of several
// packages share: building a request, sending it and reading the whole
// answer, a buffer that code under test may log to while the test reads
// it, polling for a condition (WaitFor) and picking a free loopback
// address (FreeAddr).
//
//	res, body := testhttp.Do(t, client.Do, testhttp.NewRequest(t, "GET", url, "Accept", "text/plain"))
package testhttp

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
)

// NewRequest builds a request with header given as name, value pairs; an
// error fails the test.
func NewRequest(t testing.TB, method, url string, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// Do sends req with send (a client's Do, or a transport's RoundTrip to
// see the response as the server sent it) and returns the response with
// its whole body; an error fails the test.
func Do(t testing.TB, send func(*http.Request) (*http.Response, error), req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := send(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// Buffer is a bytes.Buffer that may be written and read concurrently.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
