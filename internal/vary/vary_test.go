package vary

import (
	"net/http"
	"slices"
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
