package gzip_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/gzip"
)

// acceptEncodings counts how many times the Vary lines name
// Accept-Encoding, in any case, however they are split.
func acceptEncodings(lines []string) int {
	n := 0
	for _, l := range lines {
		for _, name := range strings.Split(l, ",") {
			if strings.EqualFold(strings.TrimSpace(name), "Accept-Encoding") {
				n++
			}
		}
	}
	return n
}

// TestVaryAcceptEncodingOnce: whatever Vary the handler adds or sets, and
// whether the body is compressed, sent as it is (the client accepts no
// coding, or the body is too small) or absent, the response names
// Accept-Encoding exactly once, and keeps the handler's other names.
func TestVaryAcceptEncodingOnce(t *testing.T) {
	handlers := []struct {
		name  string
		vary  func(h http.Header)
		other string // another name the handler's Vary must keep
	}{
		{"adds Accept-Encoding", func(h http.Header) { h.Add("Vary", "Accept-Encoding") }, ""},
		{"adds accept-encoding, Origin", func(h http.Header) { h.Add("Vary", "accept-encoding, Origin") }, "Origin"},
		{"sets Origin", func(h http.Header) { h.Set("Vary", "Origin") }, "Origin"},
		{"adds Accept then Accept-Encoding", func(h http.Header) {
			h.Add("Vary", "Accept")
			h.Add("Vary", "ACCEPT-ENCODING")
		}, "Accept"},
	}
	requests := []struct {
		name    string
		path    string
		headers []string
	}{
		{"gzip client, big body", "/big", []string{"Accept-Encoding: gzip"}},
		{"gzip client, tiny body", "/tiny", []string{"Accept-Encoding: gzip"}},
		{"client without Accept-Encoding", "/big", nil},
		{"identity only", "/big", []string{"Accept-Encoding: identity"}},
		{"gzip client, no body", "/empty", []string{"Accept-Encoding: gzip"}},
		{"client without Accept-Encoding, no body", "/empty", nil},
	}
	body := text(3000)
	for _, hc := range handlers {
		t.Run(hc.name, func(t *testing.T) {
			h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
				hc.vary(w.Header())
				w.Header().Set("Content-Type", "text/html")
				switch r.URL.Path {
				case "/big":
					w.Write(body)
				case "/tiny":
					w.Write([]byte("hi"))
				}
			}))
			protocols(t, h, func(t *testing.T, s testServer) {
				for _, rc := range requests {
					resp, _ := s.get(t, rc.path, rc.headers...)
					lines := resp.Header.Values("Vary")
					if acceptEncodings(lines) != 1 {
						t.Errorf("%s: Vary %q, want Accept-Encoding once", rc.name, lines)
					}
					if hc.other != "" && !strings.Contains(strings.Join(lines, ","), hc.other) {
						t.Errorf("%s: Vary %q lost the handler's %s", rc.name, lines, hc.other)
					}
				}
			})
		})
	}
}
