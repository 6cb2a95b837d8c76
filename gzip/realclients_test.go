package gzip_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/httpmw/httpmw/gzip"
)

// TestCurlCompressed checks what a user checks first: curl --compressed
// against a real listener prints the exact bytes, over HTTP/1.1 and 2.
func TestCurlCompressed(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: curl is not installed (apt-get install curl); CI must install it")
	}
	body := text(50 << 10)
	h := compressed(t, gzip.Config{}, serve(body, "Content-Type: text/html"))
	protocols(t, h, func(t *testing.T, s testServer) {
		for _, tt := range []struct {
			name string
			args []string
			want string
		}{
			{"curl's own Accept-Encoding", nil, "zstd"}, // curl 7.88 offers deflate, gzip, br, zstd
			{"gzip only", []string{"-H", "Accept-Encoding: gzip"}, "gzip"},
		} {
			dir := t.TempDir()
			hdrs, out := filepath.Join(dir, "headers"), filepath.Join(dir, "body")
			args := []string{"--compressed", "-sS", "-k", "-D", hdrs, "-o", out}
			if s.Proto == "HTTP/2.0" {
				args = append(args, "--http2")
			}
			args = append(args, tt.args...)
			cmd := exec.Command(curl, append(args, s.URL+"/")...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: curl: %v\n%s", tt.name, err, msg)
			}
			got, _ := os.ReadFile(out)
			head, _ := os.ReadFile(hdrs)
			if !bytes.Equal(got, body) {
				t.Errorf("%s: curl printed %d bytes, want the %d written", tt.name, len(got), len(body))
			}
			wantProto := map[string]string{"HTTP/1.1": "HTTP/1.1 ", "HTTP/2.0": "HTTP/2 "}[s.Proto]
			if !strings.HasPrefix(string(head), wantProto) {
				t.Errorf("%s: curl spoke %.10q, want %s", tt.name, head, wantProto)
			}
			if !strings.Contains(strings.ToLower(string(head)), "content-encoding: "+tt.want) {
				t.Errorf("%s: headers lack Content-Encoding %s:\n%s", tt.name, tt.want, head)
			}
		}
	})
}

// TestServerSentEvents proves Flush sends each event compressed at once:
// the handler writes the next event only after the client has decoded
// the previous one.
func TestServerSentEvents(t *testing.T) {
	const events = 5
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			received := make(chan struct{})
			h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				rc := http.NewResponseController(w)
				for i := range events {
					fmt.Fprintf(w, "data: event %d\n\n", i)
					if err := rc.Flush(); err != nil {
						t.Errorf("flush: %v", err)
						return
					}
					select {
					case <-received:
					case <-r.Context().Done():
						return
					}
				}
			}))
			protocols(t, h, func(t *testing.T, s testServer) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/events", nil)
				req.Header.Set("Accept-Encoding", enc)
				resp, err := s.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if got := resp.Header.Get("Content-Encoding"); got != enc {
					t.Fatalf("Content-Encoding %q, want %q", got, enc)
				}
				var dec io.Reader
				if enc == "gzip" {
					zr, err := kgzip.NewReader(resp.Body)
					if err != nil {
						t.Fatal(err)
					}
					dec = zr
				} else {
					zr, err := zstd.NewReader(resp.Body, zstd.WithDecoderConcurrency(1))
					if err != nil {
						t.Fatal(err)
					}
					defer zr.Close()
					dec = zr
				}
				lines := bufio.NewReader(dec)
				for i := range events {
					data, err := lines.ReadString('\n')
					blank, err2 := lines.ReadString('\n')
					if err != nil || err2 != nil || data != fmt.Sprintf("data: event %d\n", i) || blank != "\n" {
						t.Fatalf("event %d: %q %q (%v, %v)", i, data, blank, err, err2)
					}
					received <- struct{}{}
				}
			})
		})
	}
}

// TestWebsocketThroughGzip: an upgrade passes through untouched.
func TestWebsocketThroughGzip(t *testing.T) {
	upgrader := websocket.Upgrader{}
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the upgrader answered already
		}
		defer conn.Close()
		for {
			kind, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(kind, bytes.ToUpper(msg)); err != nil {
				return
			}
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	hdr := http.Header{"Accept-Encoding": {"gzip, zstd"}}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", hdr)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	defer conn.Close()
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("101 carries Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	for _, msg := range []string{"hello", strings.Repeat("long message ", 1000)} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := conn.ReadMessage()
		if err != nil || string(got) != strings.ToUpper(msg) {
			t.Fatalf("echo of %d bytes: got %d bytes, %v", len(msg), len(got), err)
		}
	}
}

// TestRangeAndConditionalRequests: ranges are served as they are, and a
// cache holding the gzip variant revalidates it with its suffixed ETag.
func TestRangeAndConditionalRequests(t *testing.T) {
	body := text(30 << 10)
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "page.html", mod, bytes.NewReader(body))
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/page.html", "Accept-Encoding: gzip")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") != `"v1-gzip"` {
			t.Fatalf("first GET: %d %q ETag %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
		}
		if !bytes.Equal(decode(t, resp, raw), body) {
			t.Fatal("first GET: body differs")
		}

		resp, raw = s.get(t, "/page.html", "Accept-Encoding: gzip", `If-None-Match: "v1-gzip"`)
		if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != `"v1-gzip"` || len(raw) != 0 {
			t.Errorf("revalidating the gzip copy: %d ETag %q, %d body bytes", resp.StatusCode, resp.Header.Get("ETag"), len(raw))
		}
		if resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("304: Vary %q, Content-Encoding %q", resp.Header.Get("Vary"), resp.Header.Get("Content-Encoding"))
		}

		resp, _ = s.get(t, "/page.html", "Accept-Encoding: gzip", `If-None-Match: "v1"`)
		if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != `"v1"` {
			t.Errorf("revalidating the identity copy: %d ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
		}

		resp, _ = s.get(t, "/page.html", "Accept-Encoding: zstd", `If-None-Match: "v1-gzip"`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"v1-zstd"` {
			t.Errorf("gzip tag from a zstd client: %d ETag %q, want a full 200", resp.StatusCode, resp.Header.Get("ETag"))
		}

		resp, raw = s.get(t, "/page.html", "Accept-Encoding: gzip", "Range: bytes=100-199")
		if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Encoding") != "" ||
			!bytes.Equal(raw, body[100:200]) || resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Range: %d %q Accept-Ranges %q, body %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Ranges"), raw)
		}

		resp, raw = s.get(t, "/page.html", "Accept-Encoding: gzip", "Range: bytes=0-9", `If-Range: "v1-gzip"`)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(raw, body) {
			t.Errorf("If-Range with the gzip tag: %d, %d bytes; want the whole body as it is", resp.StatusCode, len(raw))
		}
	})
}

// TestFileServer: http.FileServer's ReadFrom path compresses text and
// sends an image as it is, with ranges intact.
func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	page := text(60 << 10)
	pic := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3, 250}, 10<<10)...)
	os.WriteFile(filepath.Join(dir, "page.txt"), page, 0o644)
	os.WriteFile(filepath.Join(dir, "pic.png"), pic, 0o644)
	h := compressed(t, gzip.Config{}, httpmwFunc(http.FileServer(http.Dir(dir)).ServeHTTP))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/page.txt", "Accept-Encoding: gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, resp, raw), page) {
			t.Errorf("page.txt: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
		resp, raw = s.get(t, "/pic.png", "Accept-Encoding: gzip")
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(raw, pic) || resp.ContentLength != int64(len(pic)) {
			t.Errorf("pic.png: Content-Encoding %q, Content-Length %d", resp.Header.Get("Content-Encoding"), resp.ContentLength)
		}
		resp, raw = s.get(t, "/page.txt", "Accept-Encoding: gzip", "Range: bytes=1000-")
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(raw, page[1000:]) {
			t.Errorf("range of page.txt: %d, %d bytes", resp.StatusCode, len(raw))
		}
	})
}

// TestEarlyHints: a 103 passes through before the compressed 200.
func TestEarlyHints(t *testing.T) {
	body := text(4000)
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "text/html")
		w.Write(body)
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		var hints []int
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			hints = append(hints, code)
			return nil
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", s.URL, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(hints) != 1 || hints[0] != 103 {
			t.Errorf("1xx seen: %v, want [103]", hints)
		}
		if resp.StatusCode != 200 || !bytes.Equal(decode(t, resp, raw), body) {
			t.Errorf("final response %d, body differs", resp.StatusCode)
		}
	})
}

// TestChromiumReadsZstd loads a page the middleware compresses with zstd
// (the coding it picks from Chromium's own Accept-Encoding over HTTPS) in
// headless Chromium and checks the page Chromium rendered is the one
// written: the frames, written without a content checksum, decode in a
// browser.
func TestChromiumReadsZstd(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("SKIPPED LOUDLY: chromium is not installed (apt-get install chromium); CI must install it")
	}
	marker := "zstd-decoded-" + strings.Repeat("ok ", 4000)
	page := []byte("<!doctype html><html><body><p id=m>" + marker + "</p></body></html>")
	sent := make(chan string, 4)
	h := compressed(t, gzip.Config{}, serve(page, "Content-Type: text/html; charset=utf-8"))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		select {
		case sent <- r.Header.Get("Accept-Encoding") + " -> " + w.Header().Get("Content-Encoding"):
		default:
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-extensions",
		"--ignore-certificate-errors", "--user-data-dir="+t.TempDir(), "--dump-dom", srv.URL+"/")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	got := <-sent
	if !strings.HasSuffix(got, "-> zstd") {
		t.Fatalf("Accept-Encoding -> Content-Encoding: %s, want zstd", got)
	}
	if !strings.Contains(string(out), marker) {
		t.Errorf("Chromium rendered %d bytes without the page's text (%s)", len(out), got)
	}
}
