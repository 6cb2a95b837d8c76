//go:build linux

package browse

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/chromium"
)

// The listing page in a real browser: Debian's chromium, headless. CI
// installs it (apt-get install chromium); without it these tests skip and
// say so.

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
	bin := chromium.Find(t, "the listing page")
	s := browserSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, chromium.Args(t, "--dump-dom", s.srv.URL+"/docs/")...)
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
	bin := chromium.Find(t, "the listing page")
	s := browserSite(t)
	b := chromium.Start(t, bin)
	b.Navigate(t, s.srv.URL+"/docs/")

	names := `JSON.stringify([...document.querySelectorAll("#rows tr")].filter(r => !r.hidden).map(r => r.cells[0].textContent))`
	if got := b.Eval(t, names); got != `["folder","<em>bold.txt","big.bin","medium.md","small.txt"]` {
		t.Fatalf("initial order: %s", got)
	}
	b.Click(t, `th.s a`)
	if got := b.Eval(t, names); got != `["folder","big.bin","medium.md","<em>bold.txt","small.txt"]` {
		t.Errorf("after a click on Size: %s, want largest first", got)
	}
	if got := b.Eval(t, `document.querySelector("th.s").getAttribute("aria-sort") + " " + location.search`); got != "descending ?sort=size&order=desc" {
		t.Errorf("after a click on Size: %s", got)
	}
	b.Click(t, `th.s a`)
	if got := b.Eval(t, names); got != `["folder","small.txt","<em>bold.txt","medium.md","big.bin"]` {
		t.Errorf("after a second click on Size: %s, want smallest first", got)
	}
	b.Click(t, `th.n a`)
	if got := b.Eval(t, names); got != `["folder","<em>bold.txt","big.bin","medium.md","small.txt"]` {
		t.Errorf("after a click on Name: %s", got)
	}
	b.Eval(t, `(() => { const f = document.getElementById("filter"); f.value = "B"; f.dispatchEvent(new Event("input")); return "" })()`)
	if got := b.Eval(t, names); got != `["<em>bold.txt","big.bin"]` {
		t.Errorf("filter %q: %s", "B", got)
	}
	if got := b.Eval(t, `document.getElementById("count").textContent`); got != "2 of 5 shown" {
		t.Errorf("count: %q", got)
	}
	if got := b.Eval(t, `String(document.location.pathname)`); got != "/docs/" {
		t.Errorf("the page navigated away: %s", got)
	}
}
