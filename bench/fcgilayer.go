package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/fcgi"
)

// The layer row measures what each FastCGI front does per request with
// php-fpm out of the way: a FastCGI responder in this process answers
// every request at once with PHP's hello world, over one kept-alive
// loopback connection. Both fronts pay the same two system calls and the
// same responder, so the difference is each front's own work, without the
// wrk rows' run-to-run spread.
func fcgiLayerComparison() Comparison {
	return Comparison{
		Package: "fcgi", Case: "handler layer, in-process responder, hello world",
		Ours: GoBench(func(b *testing.B) {
			root, addr := fcgiLayerSetup(b)
			cfg := fcgi.PHP(root, addr)
			cfg.MaxConns = 1
			h, err := fcgi.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			fcgiLayerLoop(b, httpmw.ToHTTP(h))
		}),
		Peers: []Peer{
			{fcgiLean, GoBench(func(b *testing.B) {
				root, addr := fcgiLayerSetup(b)
				fcgiLayerLoop(b, newLeanFCGI(root, addr, 1))
			})},
		},
	}
}

func fcgiLayerLoop(b *testing.B, h http.Handler) {
	r, err := http.NewRequest("GET", "http://example.com/hello.php", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.RemoteAddr, r.RequestURI = "127.0.0.1:5555", "/hello.php"
	r.Header.Set("User-Agent", "wrk")
	rec := &rpRecorder{h: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.code != http.StatusOK {
		b.Fatalf("status %d", rec.code)
	}
	for b.Loop() {
		h.ServeHTTP(&rpRecorder{h: http.Header{}}, r)
	}
}

// fcgiLayerSetup makes a document root with hello.php and starts the
// responder; both go away with b.
func fcgiLayerSetup(b *testing.B) (root, addr string) {
	root = b.TempDir()
	if err := os.WriteFile(filepath.Join(root, "hello.php"), []byte("<?php echo 1;"), 0o644); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go helloResponder(c)
		}
	}()
	return root, ln.Addr().String()
}

// helloResponder answers each request on c, once its empty FCGI_STDIN
// record arrives, with what php-fpm sends for a hello world.
func helloResponder(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	answer := fcgiHelloAnswer()
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(hdr[4:6])) + int(hdr[6])
		if _, err := br.Discard(n); err != nil {
			return
		}
		if hdr[1] == leanStdin && n == 0 {
			if _, err := c.Write(answer); err != nil {
				return
			}
		}
	}
}

func fcgiHelloAnswer() []byte {
	out := []byte("X-Powered-By: PHP/8.2.31\r\nContent-type: text/html; charset=UTF-8\r\n\r\nHello World\n")
	b := leanRecord(nil, leanStdout, out)
	b = leanRecord(b, leanStdout, nil)
	return leanRecord(b, leanEnd, []byte{0, 0, 0, 0, 0, 0, 0, 0})
}
