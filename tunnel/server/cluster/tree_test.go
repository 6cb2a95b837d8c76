package cluster

import (
	"errors"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/tunnel"
)

// A live name covers the names under it on every node, as on one server:
// another account can take neither a name under it nor the name above it,
// the same account can.
func TestNamesCoverSubdomainsAcrossNodes(t *testing.T) {
	tc := newTestCluster(t, 2)
	a := tc.client("", 0)
	a.Servers, a.Hostname = nil, "x.demo.example.test"
	if _, err := tc.listen(a); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"demo", "y.x.demo"} {
		b := tc.client("", 1)
		b.Servers, b.AuthToken, b.Hostname = nil, otherToken, sub+".example.test"
		_, err := tc.listen(b)
		if err == nil || !errors.Is(err, tunnel.ErrRefused) || !strings.Contains(err.Error(), "another account") {
			t.Fatalf("%s for another account on the other node: %v; want a final refusal naming another account", sub, err)
		}
	}
	same := tc.client("demo", 1)
	same.Servers = nil
	if _, err := tc.listen(same); err != nil {
		t.Fatalf("demo for the same account on the other node: %v", err)
	}
}

func TestReverseLabels(t *testing.T) {
	for in, want := range map[string]string{"demo.example.test": "test.example.demo", "a": "a", "": ""} {
		if got := reverseLabels(in); got != want {
			t.Errorf("reverseLabels(%q) = %q; want %q", in, got, want)
		}
	}
}
