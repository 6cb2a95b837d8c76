package logger

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goaccessReport is the part of goaccess's JSON report the test reads.
type goaccessReport struct {
	General struct {
		Total     int   `json:"total_requests"`
		Valid     int   `json:"valid_requests"`
		Failed    int   `json:"failed_requests"`
		Bandwidth int64 `json:"bandwidth"`
	} `json:"general"`
	Hosts struct {
		Data []struct {
			Data string `json:"data"`
		} `json:"data"`
	} `json:"hosts"`
	Status struct {
		Data []struct {
			Data string `json:"data"`
		} `json:"data"`
	} `json:"status_codes"`
}

// TestGoaccessParsesOurLogs writes Common and Combined logs of ordinary and
// hostile requests through a real server into files, then asks goaccess, a
// real log analyser, to parse them: every line must be a valid request and
// the byte count must match what the clients received.
func TestGoaccessParsesOurLogs(t *testing.T) {
	bin, err := exec.LookPath("goaccess")
	if err != nil {
		t.Skip("SKIPPED: goaccess is not installed (apt-get install goaccess); " +
			"the test proving real parsers read our Common and Combined logs did not run")
	}
	for _, tc := range []struct{ name, format, goaccessFormat string }{
		{"Common", Common, "COMMON"},
		{"Combined", Combined, "COMBINED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			l := mustNew(t, Config{Format: tc.format, File: path})
			srv := serve(t, l, sizedHandler)

			sent, bytes := sendHostileMix(t, srv.Listener.Addr().String())
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(t.TempDir(), "report.json")
			cmd := exec.Command(bin, path, "--log-format="+tc.goaccessFormat, "--no-global-config", "-o", report)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("goaccess: %v\n%s", err, out)
			}
			var rep goaccessReport
			raw, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			g := rep.General
			if g.Total != sent || g.Valid != sent || g.Failed != 0 {
				log, _ := os.ReadFile(path)
				t.Fatalf("goaccess read %d lines, %d valid, %d failed; want %d valid\nlog:\n%s", g.Total, g.Valid, g.Failed, sent, log)
			}
			if g.Bandwidth != bytes {
				t.Errorf("goaccess counts %d bytes, the clients received %d", g.Bandwidth, bytes)
			}
			if len(rep.Hosts.Data) != 1 || rep.Hosts.Data[0].Data != "127.0.0.1" {
				t.Errorf("goaccess hosts: %+v, want only 127.0.0.1", rep.Hosts.Data)
			}
		})
	}
}

// sendHostileMix sends, over raw TCP so nothing is cleaned on the way,
// ordinary requests and ones crafted to break a log line. It returns how
// many requests were answered and the body bytes received.
func sendHostileMix(t *testing.T, addr string) (int, int64) {
	t.Helper()
	requests := []string{
		"GET /plain?n=10 HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nReferer: http://example.com/\r\n\r\n",
		"GET /%0d%0a%1b[31m?n=3 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /q\"uote\\back?n=4 HTTP/1.1\r\nHost: x\r\nUser-Agent: a \"quoted\" \\agent\\\r\n\r\n",
		"GET /fake\"]\"?n=5 HTTP/1.1\r\nHost: x\r\nReferer: -\" 200 1 \"-\" \"forged\r\nUser-Agent: \\\"\r\n\r\n",
		"GET /utf8-\xc3\xa9-\x9b31m?n=6 HTTP/1.1\r\nHost: x\r\nUser-Agent: caf\xc3\xa9\r\n\r\n",
		"GET /nothing?n=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic("evil\r\n\x1b[31m", "pw") + "\r\n\r\n",
		"HEAD /head?n=7 HTTP/1.0\r\nHost: x\r\n\r\n",
	}
	var total int64
	for i, raw := range requests {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		req, _ := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		res, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		conn.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d %q: status %d", i, raw, res.StatusCode)
		}
		if req.Method != http.MethodHead {
			total += n
		}
	}
	return len(requests), total
}

func basic(user, pw string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pw)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
