package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/httpserve"
)

func TestTimeoutFlags(t *testing.T) {
	o, err := parseFlags([]string{"-repo", "file:///r", "-header-timeout", "5s", "-body-timeout", "2m",
		"-write-timeout", "90s", "-idle-timeout", "1m", "-max-header-bytes", "65536"})
	want := httpserve.Limits{ReadHeaderTimeout: 5 * time.Second, BodyTimeout: 2 * time.Minute,
		WriteTimeout: 90 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 65536}
	if err != nil || o.limits != want {
		t.Fatalf("parseFlags = %+v, %v; want limits %+v", o.limits, err, want)
	}
}

// TestDownloadTimeouts serves a file larger than the socket buffers with
// a write timeout of a second. A client that reads it slowly but steadily,
// taking several times the write timeout in all (the old fixed
// WriteTimeout cut such downloads), gets all of it; a client that stops
// reading is closed.
func TestDownloadTimeouts(t *testing.T) {
	const size = 32 << 20
	r := newRepo(t)
	if err := os.WriteFile(filepath.Join(r.dir, "big.bin"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	r.commit("v1")
	closed := make(chan string, 100)
	url, stop := started(t, options{
		repo: "file://" + r.dir, dest: filepath.Join(t.TempDir(), "deploy"), listen: "127.0.0.1:0",
		limits: httpserve.Limits{WriteTimeout: time.Second},
		connState: func(c net.Conn, s http.ConnState) {
			if s == http.StateClosed {
				select {
				case closed <- c.RemoteAddr().String():
				default:
				}
			}
		},
	})
	defer stop()
	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	// Without Accept-Encoding: gzip would shrink the zeros to nothing.
	request := "GET /big.bin HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"

	t.Run("slow reader", func(t *testing.T) {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, request)
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 200 || res.ContentLength != size {
			t.Fatalf("%v %v", res, err)
		}
		start := time.Now()
		var got int64
		for {
			n, err := io.CopyN(io.Discard, res.Body, 1<<20)
			got += n
			if err != nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // pacing the reader: 32 pauses in all
		}
		if got != size {
			t.Fatalf("a client reading 1 MiB per 100ms got %d of %d bytes in %v", got, size, time.Since(start))
		}
	})

	t.Run("stalled reader", func(t *testing.T) {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, request) // and read nothing until the server gives up
		deadline := time.After(30 * time.Second)
		for addr := ""; addr != c.LocalAddr().String(); {
			select {
			case addr = <-closed:
			case <-deadline:
				t.Fatal("the server still holds a client that reads nothing")
			}
		}
		n, _ := io.Copy(io.Discard, c) // what the kernels had buffered
		if n >= size {
			t.Fatalf("the stalled client got all %d bytes", n)
		}
	})
}
