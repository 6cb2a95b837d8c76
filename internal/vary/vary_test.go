package vary

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestAdd(t *testing.T) {
	cases := []struct {
		lines []string
		name  string
		want  []string
	}{
		{nil, "Accept-Encoding", []string{"Accept-Encoding"}},
		{[]string{"Accept-Encoding"}, "Accept-Encoding", []string{"Accept-Encoding"}},
		{[]string{"accept-encoding, Origin"}, "Accept-Encoding", []string{"accept-encoding, Origin"}},
		{[]string{"Origin", " ACCEPT-ENCODING\t"}, "Accept-Encoding", []string{"Origin", " ACCEPT-ENCODING\t"}},
		{[]string{"Origin,,Accept"}, "Accept-Encoding", []string{"Origin,,Accept", "Accept-Encoding"}},
		{[]string{"*"}, "Accept-Encoding", []string{"*"}},
		{[]string{"Origin, *"}, "Accept", []string{"Origin, *"}},
		{[]string{"Accept-Encoding-X"}, "Accept-Encoding", []string{"Accept-Encoding-X", "Accept-Encoding"}},
		{[]string{"Accept"}, "*", []string{"Accept", "*"}},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.lines != nil {
			h["Vary"] = slices.Clone(c.lines)
		}
		Add(h, c.name)
		if !slices.Equal(h["Vary"], c.want) {
			t.Errorf("Add(%q, %q) = %q, want %q", c.lines, c.name, h["Vary"], c.want)
		}
	}
}

// FuzzAdd: Add never panics, leaves name listed, keeps every line it was
// given, and a second Add of the same name changes nothing.
func FuzzAdd(f *testing.F) {
	for _, s := range [][2]string{
		{"", "Accept-Encoding"},
		{"accept-encoding, Origin", "Accept-Encoding"},
		{"Origin,,\t*", "Accept"},
		{" , ", ""},
		{"Accept", "*"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, line, name string) {
		h := http.Header{"Vary": {line}}
		Add(h, name)
		if h["Vary"][0] != line || len(h["Vary"]) > 2 {
			t.Fatalf("Add(%q, %q) changed the lines: %q", line, name, h["Vary"])
		}
		if name != "" && !strings.ContainsAny(name, ", \t") && !Lists(h["Vary"], name) {
			t.Fatalf("Add(%q, %q): %q does not list it", line, name, h["Vary"])
		}
		before := slices.Clone(h["Vary"])
		Add(h, name)
		if name != "" && !strings.ContainsAny(name, ", \t") && !slices.Equal(before, h["Vary"]) {
			t.Fatalf("second Add(%q) changed %q to %q", name, before, h["Vary"])
		}
	})
}
