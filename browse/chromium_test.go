//go:build linux

package browse

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The listing page in a real browser: Debian's chromium, headless. CI
// installs it (apt-get install chromium); without it these tests skip and
// say so.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: no chromium in PATH; the listing page is not checked in a browser. Install it: apt-get install chromium")
	return ""
}

// chromiumArgs are the flags for a quiet, sandbox-free headless run that
// talks to nothing but the test's server.
func chromiumArgs(t *testing.T, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--window-size=1200,900"}, extra...)
}

func browserSite(t *testing.T) *site {
	return newSite(t, Config{Listing: true}, func(root string) {
		writeFile(t, root, "docs/small.txt", "x")
		writeFile(t, root, "docs/big.bin", strings.Repeat("x", 5000))
		writeFile(t, root, "docs/medium.md", strings.Repeat("x", 300))
		writeFile(t, root, "docs/<em>bold.txt", "xx")
		os.Mkdir(filepath.Join(root, "docs", "folder"), 0o755)
	})
}

// TestListingRendersInChromium loads the page with --dump-dom: the DOM
// after scripts ran holds every entry, and the script made it interactive.
func TestListingRendersInChromium(t *testing.T) {
	bin := chromiumPath(t)
	s := browserSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(t, "--dump-dom", s.srv.URL+"/docs/")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	dom := string(out)
	for _, want := range []string{
		`<table id="list" data-sort="name" data-order="asc" data-ready="">`, // the script ran
		`<span>folder</span>`, `<span>big.bin</span>`, `<span>medium.md</span>`, `<span>small.txt</span>`,
		`<span>&lt;em&gt;bold.txt</span>`, // a name, not markup
		`4.9 KiB`, `300 B`,
		`id="filter" placeholder="Filter (press /)" aria-label="Filter by name" autocomplete="off">`, // shown by the script
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s", want)
		}
	}
	if strings.Contains(dom, "<em>") {
		t.Error("a file name was rendered as markup")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// TestListingSortsOnClick drives chromium over the DevTools protocol: a
// mouse click on the Size header reorders the rows without a reload, a
// second click reverses them, and typing in the filter box hides rows.
func TestListingSortsOnClick(t *testing.T) {
	bin := chromiumPath(t)
	s := browserSite(t)
	b := startChromium(t, bin)
	b.navigate(t, s.srv.URL+"/docs/")

	names := `JSON.stringify([...document.querySelectorAll("#rows tr")].filter(r => !r.hidden).map(r => r.cells[0].textContent))`
	if got := b.eval(t, names); got != `["folder","<em>bold.txt","big.bin","medium.md","small.txt"]` {
		t.Fatalf("initial order: %s", got)
	}
	b.click(t, `th.s a`)
	if got := b.eval(t, names); got != `["folder","big.bin","medium.md","<em>bold.txt","small.txt"]` {
		t.Errorf("after a click on Size: %s, want largest first", got)
	}
	if got := b.eval(t, `document.querySelector("th.s").getAttribute("aria-sort") + " " + location.search`); got != "descending ?sort=size&order=desc" {
		t.Errorf("after a click on Size: %s", got)
	}
	b.click(t, `th.s a`)
	if got := b.eval(t, names); got != `["folder","small.txt","<em>bold.txt","medium.md","big.bin"]` {
		t.Errorf("after a second click on Size: %s, want smallest first", got)
	}
	b.click(t, `th.n a`)
	if got := b.eval(t, names); got != `["folder","<em>bold.txt","big.bin","medium.md","small.txt"]` {
		t.Errorf("after a click on Name: %s", got)
	}
	b.eval(t, `(() => { const f = document.getElementById("filter"); f.value = "B"; f.dispatchEvent(new Event("input")); return "" })()`)
	if got := b.eval(t, names); got != `["<em>bold.txt","big.bin"]` {
		t.Errorf("filter %q: %s", "B", got)
	}
	if got := b.eval(t, `document.getElementById("count").textContent`); got != "2 of 5 shown" {
		t.Errorf("count: %q", got)
	}
	if got := b.eval(t, `String(document.location.pathname)`); got != "/docs/" {
		t.Errorf("the page navigated away: %s", got)
	}
}

// browser is a headless chromium and one DevTools connection to its page.
type browser struct {
	conn *websocket.Conn
	next int
}

func startChromium(t *testing.T, bin string) *browser {
	t.Helper()
	cmd := exec.Command(bin, chromiumArgs(t, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers die with it
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	// Chromium prints its DevTools address on stderr; the rest of stderr
	// is drained so it never blocks.
	addr := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "DevTools listening on ws://"); ok {
				host, _, _ := strings.Cut(rest, "/")
				addr <- host
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	var host string
	select {
	case host = <-addr:
	case <-exited:
		t.Fatal("chromium exited before listening")
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not start within 60s")
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Get("http://" + host + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var targets []struct{ Type, WebSocketDebuggerURL string }
	if err := json.NewDecoder(res.Body).Decode(&targets); err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type != "page" {
			continue
		}
		conn, _, err := websocket.DefaultDialer.Dial(tg.WebSocketDebuggerURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		b := &browser{conn: conn}
		b.call(t, "Page.enable", nil)
		return b
	}
	t.Fatal("chromium has no page target")
	return nil
}

// call sends a DevTools command and returns its result, skipping events
// until the answer; wantEvent, when set, is also waited for.
func (b *browser) call(t *testing.T, method string, params any, wantEvent ...string) json.RawMessage {
	t.Helper()
	b.next++
	id := b.next
	if err := b.conn.WriteJSON(map[string]any{"id": id, "method": method, "params": params}); err != nil {
		t.Fatal(err)
	}
	var result json.RawMessage
	gotResult, gotEvent := false, len(wantEvent) == 0
	b.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for !gotResult || !gotEvent {
		var msg struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := b.conn.ReadJSON(&msg); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		switch {
		case msg.ID == id && msg.Error != nil:
			t.Fatalf("%s: %s", method, msg.Error.Message)
		case msg.ID == id:
			result, gotResult = msg.Result, true
		case len(wantEvent) > 0 && msg.Method == wantEvent[0]:
			gotEvent = true
		}
	}
	return result
}

func (b *browser) navigate(t *testing.T, url string) {
	t.Helper()
	b.call(t, "Page.navigate", map[string]any{"url": url}, "Page.loadEventFired")
}

// eval runs a JavaScript expression in the page and returns its value as
// a string.
func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	raw := b.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	var r struct {
		Result struct {
			Value any
		}
		ExceptionDetails *struct{ Text string }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		t.Fatalf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	return fmt.Sprint(r.Result.Value)
}

// click presses and releases the mouse on the middle of the element, as a
// person would.
func (b *browser) click(t *testing.T, selector string) {
	t.Helper()
	pos := b.eval(t, `(() => { const r = document.querySelector(`+quoteJS(selector)+`).getBoundingClientRect(); return (r.x + r.width/2) + " " + (r.y + r.height/2) })()`)
	var x, y float64
	if _, err := fmt.Sscan(pos, &x, &y); err != nil {
		t.Fatal(errors.Join(err, errors.New(pos)))
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		b.call(t, "Input.dispatchMouseEvent", map[string]any{"type": typ, "x": x, "y": y, "button": "left", "clickCount": 1})
	}
}

func quoteJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
