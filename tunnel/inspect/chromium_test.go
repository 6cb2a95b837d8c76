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
