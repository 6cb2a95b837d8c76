//go:build linux

package inspect

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

// The UI in a real browser: Debian's chromium, headless, driven over the
// DevTools protocol. CI installs it (apt-get install chromium); without it
// this test skips and says so.

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: no chromium in PATH; the inspector UI is not checked in a browser. Install it: apt-get install chromium")
	return ""
}

// TestUIInChromium: with the page open, a request to the app appears in the
// list without a reload; clicking it shows the detail; clicking Replay adds
// a second entry and shows the two exchanges side by side.
func TestUIInChromium(t *testing.T) {
	bin := findChromium(t)
	s := newSite(t, Config{})
	b := launchChromium(t, bin)
	b.navigate(t, s.ui.URL+"/")
	b.eval(t, `window.notReloaded = true; ""`)
	b.waitFor(t, `document.getElementById("live").textContent === "live"`)

	req := newReq(t, "POST", s.app.URL+"/orders?draft=1", `{"item":"tea","qty":2}`)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", testAuth)
	s.do(t, req)

	b.waitFor(t, `document.querySelectorAll("#rows tr").length === 1`)
	if got := b.eval(t, `document.querySelector("#rows tr td.path").textContent`); got != "/orders?draft=1" {
		t.Errorf("listed path %q", got)
	}
	b.click(t, `#rows tr`)
	b.waitFor(t, `document.querySelectorAll("#compare .ex").length === 1`)
	detail := b.eval(t, `document.getElementById("compare").textContent`)
	for _, want := range []string{"POST /orders?draft=1 HTTP/1.1", `"item": "tea"`, Redacted, "application/json"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "tok-123") {
		t.Error("detail shows the Authorization secret")
	}

	b.click(t, `#replay`)
	b.waitFor(t, `document.querySelectorAll("#rows tr").length === 2 && document.querySelectorAll("#compare .ex").length === 2`)
	if got := b.eval(t, `document.querySelector("#rows tr .tag").textContent`); got != "replay of #1" {
		t.Errorf("newest row tag %q", got)
	}
	if got := b.eval(t, `[...document.querySelectorAll("#compare .ex h2")].map(h => h.textContent).join(" | ")`); got != "Original #1 | Replay #2 (replay of #1)" {
		t.Errorf("side by side: %q", got)
	}
	if got := b.eval(t, `String(window.notReloaded)`); got != "true" {
		t.Error("the page reloaded")
	}
	if n := len(s.in.Exchanges()); n != 2 {
		t.Errorf("%d exchanges recorded, want 2", n)
	}

	// Edit and replay: the form holds the recorded request; a changed
	// body is what the app gets.
	b.click(t, `#edit-toggle`)
	if got := b.eval(t, `document.getElementById("edit-path").value + " " + document.getElementById("edit-body").value`); got != `/orders?draft=1 {"item":"tea","qty":2}` {
		t.Errorf("edit form holds %q", got)
	}
	b.eval(t, `document.getElementById("edit-body").value = '{"item":"coffee"}'; ""`)
	b.click(t, `#edit-send`)
	b.waitFor(t, `document.querySelectorAll("#rows tr").length === 3 && document.querySelector("#compare .ex:last-child h2").textContent.startsWith("Replay #3")`)
	if ex, ok := s.in.Exchange(3); !ok || !strings.Contains(string(ex.Response.Body.Body), `coffee`) {
		t.Errorf("edited replay: %q", ex.Response.Body.Body)
	}
	b.screenshot(t)
}

// cdp is a headless chromium and a DevTools connection to its page.
type cdp struct {
	conn *websocket.Conn
	id   int
}

func chromiumFlags(t *testing.T, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--window-size=1400,900"}, extra...)
}

func launchChromium(t *testing.T, bin string) *cdp {
	t.Helper()
	cmd := exec.Command(bin, chromiumFlags(t, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // helpers die with it
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
	// Chromium prints its DevTools address on stderr; the rest is drained.
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
		b := &cdp{conn: conn}
		b.call(t, "Page.enable", nil)
		return b
	}
	t.Fatal("chromium has no page target")
	return nil
}

// call sends a DevTools command and returns its result, skipping events
// until the answer and, if given, until the event wantEvent.
func (b *cdp) call(t *testing.T, method string, params any, wantEvent ...string) json.RawMessage {
	t.Helper()
	b.id++
	id := b.id
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

func (b *cdp) navigate(t *testing.T, url string) {
	t.Helper()
	b.call(t, "Page.navigate", map[string]any{"url": url}, "Page.loadEventFired")
}

// eval runs a JavaScript expression in the page (awaiting it when it is a
// promise) and returns its value as a string.
func (b *cdp) eval(t *testing.T, expr string) string {
	t.Helper()
	raw := b.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
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

// waitFor resolves when cond is true in the page, checked on every DOM
// change (a MutationObserver, not a timer), or fails after 20 s.
func (b *cdp) waitFor(t *testing.T, cond string) {
	t.Helper()
	js := `new Promise((resolve) => {
		const ok = () => { try { return (` + cond + `); } catch (e) { return false; } };
		if (ok()) { resolve("ok"); return; }
		const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); resolve("ok"); } });
		obs.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
		setTimeout(() => { obs.disconnect(); resolve(ok() ? "ok" : "timeout"); }, 20000);
	})`
	if got := b.eval(t, js); got != "ok" {
		t.Fatalf("waiting for %s: %s; page text:\n%s", cond, got, b.eval(t, `document.body.innerText`))
	}
}

// click presses the mouse on the middle of the element, as a person would.
func (b *cdp) click(t *testing.T, selector string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	pos := b.eval(t, `(() => { const r = document.querySelector(`+string(sel)+`).getBoundingClientRect(); return (r.x + r.width/2) + " " + (r.y + r.height/2) })()`)
	var x, y float64
	if _, err := fmt.Sscan(pos, &x, &y); err != nil {
		t.Fatalf("position of %s: %q", selector, pos)
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		b.call(t, "Input.dispatchMouseEvent", map[string]any{"type": typ, "x": x, "y": y, "button": "left", "clickCount": 1})
	}
}

// screenshot saves the page as PNG in the test's temp dir, or where
// INSPECT_SCREENSHOT says, for a person to look at.
func (b *cdp) screenshot(t *testing.T) {
	t.Helper()
	raw := b.call(t, "Page.captureScreenshot", map[string]any{"format": "png"})
	var r struct{ Data string }
	json.Unmarshal(raw, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil || len(png) == 0 {
		t.Fatalf("screenshot: %v", err)
	}
	path := os.Getenv("INSPECT_SCREENSHOT")
	if path == "" {
		path = t.TempDir() + "/inspect.png"
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
