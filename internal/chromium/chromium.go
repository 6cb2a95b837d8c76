//go:build linux

// Package chromium drives Debian's headless Chromium over the DevTools
// protocol, for the tests that check what a person would see: a page that
// renders, a click that sorts, a list that updates without a reload.
// Tests that use it skip, saying what went unchecked, when Chromium is not
// installed; CI installs it (apt-get install chromium).
package chromium

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Find returns Chromium's path, or skips t naming what goes unchecked.
func Find(t testing.TB, unchecked string) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skipf("SKIPPED: no chromium in PATH; %s is not checked in a browser. Install it: apt-get install chromium", unchecked)
	return ""
}

// Args are the flags for a quiet headless run, as root, that talks to
// nothing but the test's own servers.
func Args(t testing.TB, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--window-size=1400,900"}, extra...)
}

// Page is one headless Chromium and a DevTools connection to its page.
// It is killed, with its helper processes, when the test ends.
type Page struct {
	conn *websocket.Conn
	id   int
	errs []string // console errors seen, once WatchConsole is on
}

// Start launches Chromium at bin on about:blank.
func Start(t testing.TB, bin string) *Page {
	t.Helper()
	cmd := exec.Command(bin, Args(t, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")...)
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
	// is drained so that it never blocks.
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
		p := &Page{conn: conn}
		p.Call(t, "Page.enable", nil)
		return p
	}
	t.Fatal("chromium has no page target")
	return nil
}

// Call sends a DevTools command and returns its result, skipping events
// until the answer and, when wantEvent is given, until that event too.
func (p *Page) Call(t testing.TB, method string, params any, wantEvent ...string) json.RawMessage {
	t.Helper()
	p.id++
	id := p.id
	if err := p.conn.WriteJSON(map[string]any{"id": id, "method": method, "params": params}); err != nil {
		t.Fatal(err)
	}
	var result json.RawMessage
	gotResult, gotEvent := false, len(wantEvent) == 0
	p.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for !gotResult || !gotEvent {
		var msg struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := p.conn.ReadJSON(&msg); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		p.noteConsole(msg.Method, msg.Params)
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

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(t testing.TB, url string) {
	t.Helper()
	p.Call(t, "Page.navigate", map[string]any{"url": url}, "Page.loadEventFired")
}

// Eval runs a JavaScript expression in the page, awaiting it when it is a
// promise, and returns its value as a string.
func (p *Page) Eval(t testing.TB, expr string) string {
	t.Helper()
	raw := p.Call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	var r struct {
		Result           struct{ Value any }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		t.Fatalf("%s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	return fmt.Sprint(r.Result.Value)
}

// WaitFor returns once the JavaScript condition cond holds in the page,
// checked on every DOM change (a MutationObserver, not a timer); it fails
// the test after 20 s.
func (p *Page) WaitFor(t testing.TB, cond string) {
	t.Helper()
	js := `new Promise((resolve) => {
		const ok = () => { try { return (` + cond + `); } catch (e) { return false; } };
		if (ok()) { resolve("ok"); return; }
		const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); resolve("ok"); } });
		obs.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
		setTimeout(() => { obs.disconnect(); resolve(ok() ? "ok" : "timeout"); }, 20000);
	})`
	if got := p.Eval(t, js); got != "ok" {
		t.Fatalf("waiting for %s: %s; page text:\n%s", cond, got, p.Eval(t, `document.body.innerText`))
	}
}

// Click moves the mouse to the middle of the element and presses and
// releases it, as a person would.
func (p *Page) Click(t testing.TB, selector string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	pos := p.Eval(t, `(() => { const r = document.querySelector(`+string(sel)+`).getBoundingClientRect(); return (r.x + r.width/2) + " " + (r.y + r.height/2) })()`)
	var x, y float64
	if _, err := fmt.Sscan(pos, &x, &y); err != nil {
		t.Fatalf("position of %s: %q", selector, pos)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p.Call(t, "Input.dispatchMouseEvent", map[string]any{"type": typ, "x": x, "y": y, "button": "left", "clickCount": 1})
	}
}

// Screenshot saves the page as a PNG at path ("" means a file in the
// test's temp folder) for a person to look at, and logs where.
func (p *Page) Screenshot(t testing.TB, path string) {
	t.Helper()
	raw := p.Call(t, "Page.captureScreenshot", map[string]any{"format": "png"})
	var r struct{ Data string }
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil || len(png) == 0 {
		t.Fatalf("screenshot: %v", err)
	}
	if path == "" {
		path = t.TempDir() + "/screenshot.png"
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// WatchConsole turns on the page's error reports: uncaught exceptions and
// rejections, console.error, and the browser's own error entries such as a
// failed resource load. ConsoleErrors returns those seen so far; events are
// read with the answers to commands, so an Eval after an action collects
// what the action caused.
func (p *Page) WatchConsole(t testing.TB) {
	t.Helper()
	p.Call(t, "Runtime.enable", nil)
	p.Call(t, "Log.enable", nil)
}

// ConsoleErrors are the errors WatchConsole has seen, one line each.
func (p *Page) ConsoleErrors() []string { return append([]string(nil), p.errs...) }

func (p *Page) noteConsole(method string, params json.RawMessage) {
	var e struct {
		Type string // Runtime.consoleAPICalled
		Args []struct {
			Value       any
			Description string
		}
		ExceptionDetails struct { // Runtime.exceptionThrown
			Text      string
			Exception struct{ Description string }
		}
		Entry struct{ Level, Text, URL string } // Log.entryAdded
	}
	switch method {
	case "Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded":
		if json.Unmarshal(params, &e) != nil {
			p.errs = append(p.errs, method+": unreadable")
			return
		}
	default:
		return
	}
	switch {
	case method == "Runtime.exceptionThrown":
		p.errs = append(p.errs, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
	case method == "Runtime.consoleAPICalled" && (e.Type == "error" || e.Type == "assert"):
		var parts []string
		for _, a := range e.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, fmt.Sprint(a.Value))
			}
		}
		p.errs = append(p.errs, "console."+e.Type+": "+strings.Join(parts, " "))
	case method == "Log.entryAdded" && e.Entry.Level == "error":
		p.errs = append(p.errs, "log: "+e.Entry.Text+" "+e.Entry.URL)
	}
}
