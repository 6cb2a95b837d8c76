package bodyerr_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/bodyerr"
)

func TestStatus(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	chunked := httputil.NewChunkedReader(strings.NewReader("5\r\nhelloXX"))
	_, malformed := io.ReadAll(chunked)
	if malformed == nil {
		t.Fatal("the malformed chunked body read without error")
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"over MaxBytesReader", context.Background(), &http.MaxBytesError{Limit: 10}, 413},
		{"read deadline", context.Background(), fmt.Errorf("read: %w", os.ErrDeadlineExceeded), 408},
		{"cut short", context.Background(), io.ErrUnexpectedEOF, 499},
		{"connection reset", context.Background(), &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, 499},
		{"client gone", cancelled, errors.New("whatever the read said"), 499},
		{"malformed chunked", context.Background(), malformed, 400},
	} {
		if got := bodyerr.Status(tc.ctx, tc.err); got != tc.want {
			t.Errorf("%s (%v): %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// What net/http's server really returns to a handler reading a body that
// is malformed, stalled or cut, each sent over a real connection.
func TestStatusOfRealReads(t *testing.T) {
	got := make(chan int, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := io.Copy(io.Discard, r.Body)
		got <- bodyerr.Status(r.Context(), err)
	}))
	srv.Start()
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		raw   string
		leave bool
		want  int
	}{
		{"malformed chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n", false, 400},
		{"stalled", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nten bytes.", false, 408},
		{"cut by the client leaving", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nten bytes.", true, 499},
	} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, tc.raw)
		if tc.leave {
			c.(*net.TCPConn).CloseWrite()
		}
		select {
		case status := <-got:
			if status != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, status, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the handler never finished reading", tc.name)
		}
		bufio.NewReader(c).ReadString('\n')
		c.Close()
	}
}
