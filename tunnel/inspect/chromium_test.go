//go:build linux

package inspect

import (
	"os"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/chromium"
)

// The UI in a real browser: Debian's chromium, headless, driven over the
// DevTools protocol. CI installs it (apt-get install chromium); without it
// this test skips and says so.

// TestUIInChromium: with the page open, a request to the app appears in the
// list without a reload; clicking it shows the detail; clicking Replay adds
// a second entry and shows the two exchanges side by side.
func TestUIInChromium(t *testing.T) {
	bin := chromium.Find(t, "the inspector UI")
	s := newSite(t, Config{})
	b := chromium.Start(t, bin)
	b.Navigate(t, s.ui.URL+"/")
	b.Eval(t, `window.notReloaded = true; ""`)
	b.WaitFor(t, `document.getElementById("live").textContent === "live"`)

	req := newReq(t, "POST", s.app.URL+"/orders?draft=1", `{"item":"tea","qty":2}`)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", testAuth)
	s.do(t, req)

	b.WaitFor(t, `document.querySelectorAll("#rows tr").length === 1`)
	if got := b.Eval(t, `document.querySelector("#rows tr td.path").textContent`); got != "/orders?draft=1" {
		t.Errorf("listed path %q", got)
	}
	b.Click(t, `#rows tr`)
	b.WaitFor(t, `document.querySelectorAll("#compare .ex").length === 1`)
	detail := b.Eval(t, `document.getElementById("compare").textContent`)
	for _, want := range []string{"POST /orders?draft=1 HTTP/1.1", `"item": "tea"`, Redacted, "application/json"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "tok-123") {
		t.Error("detail shows the Authorization secret")
	}

	b.Click(t, `#replay`)
	b.WaitFor(t, `document.querySelectorAll("#rows tr").length === 2 && document.querySelectorAll("#compare .ex").length === 2`)
	if got := b.Eval(t, `document.querySelector("#rows tr .tag").textContent`); got != "replay of #1" {
		t.Errorf("newest row tag %q", got)
	}
	if got := b.Eval(t, `[...document.querySelectorAll("#compare .ex h2")].map(h => h.textContent).join(" | ")`); got != "Original #1 | Replay #2 (replay of #1)" {
		t.Errorf("side by side: %q", got)
	}
	if got := b.Eval(t, `String(window.notReloaded)`); got != "true" {
		t.Error("the page reloaded")
	}
	if n := len(s.in.Exchanges()); n != 2 {
		t.Errorf("%d exchanges recorded, want 2", n)
	}

	// Edit and replay: the form holds the recorded request; a changed
	// body is what the app gets.
	b.Click(t, `#edit-toggle`)
	if got := b.Eval(t, `document.getElementById("edit-path").value + " " + document.getElementById("edit-body").value`); got != `/orders?draft=1 {"item":"tea","qty":2}` {
		t.Errorf("edit form holds %q", got)
	}
	b.Eval(t, `document.getElementById("edit-body").value = '{"item":"coffee"}'; ""`)
	b.Click(t, `#edit-send`)
	b.WaitFor(t, `document.querySelectorAll("#rows tr").length === 3 && document.querySelector("#compare .ex:last-child h2").textContent.startsWith("Replay #3")`)
	if ex, ok := s.in.Exchange(3); !ok || !strings.Contains(string(ex.Response.Body.Body), `coffee`) {
		t.Errorf("edited replay: %q", ex.Response.Body.Body)
	}
	b.Screenshot(t, os.Getenv("INSPECT_SCREENSHOT")) // set it to keep the picture
}

// cdp is a headless chromium and a DevTools connection to its page.

// TestUIHasNoConsoleErrors walks the page as a person does, with
// Chromium's console watched: load, a request selected, replayed. Replay
// is not shown before a request is selected, and a click on it then (from
// a script, since it cannot be seen) does nothing, rather than print a
// JavaScript error.
func TestUIHasNoConsoleErrors(t *testing.T) {
	bin := chromium.Find(t, "the inspector UI's console")
	s := newSite(t, Config{})
	b := chromium.Start(t, bin)
	b.WatchConsole(t)
	clean := func(step string) {
		t.Helper()
		b.Eval(t, `new Promise(r => setTimeout(() => r(""), 0))`) // collect what the step caused
		if errs := b.ConsoleErrors(); len(errs) > 0 {
			t.Fatalf("console errors %s:\n%s", step, strings.Join(errs, "\n"))
		}
	}
	b.Navigate(t, s.ui.URL+"/")
	b.WaitFor(t, `document.getElementById("live").textContent === "live"`)
	clean("on load")

	visible := func(id string) string {
		return b.Eval(t, `(() => { const e = document.getElementById("`+id+`"); return String(e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden") })()`)
	}
	if visible("replay") != "false" || visible("edit-toggle") != "false" {
		t.Fatal("Replay is shown with nothing selected")
	}
	b.Eval(t, `document.getElementById("replay").click(); document.getElementById("edit-toggle").click(); ""`)
	if got := b.Eval(t, `document.getElementById("replay-status").textContent`); got != "" {
		t.Fatalf("Replay with nothing selected says %q", got)
	}
	clean("on Replay with nothing selected")

	s.do(t, newReq(t, "GET", s.app.URL+"/hello", ""))
	b.WaitFor(t, `document.querySelectorAll("#rows tr").length === 1`)
	b.Click(t, `#rows tr`)
	b.WaitFor(t, `document.querySelectorAll("#compare .ex").length === 1`)
	if visible("replay") != "true" {
		t.Fatal("Replay is not shown for a selected request")
	}
	clean("on selection")

	b.Click(t, `#replay`)
	b.WaitFor(t, `document.querySelectorAll("#compare .ex").length === 2`)
	if got := b.Eval(t, `document.getElementById("replay-status").textContent`); got != "replayed as #2" {
		t.Errorf("replay status %q", got)
	}
	clean("on replay")
}
