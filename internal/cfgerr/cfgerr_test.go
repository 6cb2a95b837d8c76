package cfgerr

import (
	"errors"
	"testing"
)

func TestForm(t *testing.T) {
	err := New("browse", "Config.Hide[2]", "%q: empty pattern", "x")
	if got, want := err.Error(), `browse: Config.Hide[2]: "x": empty pattern`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestWraps(t *testing.T) {
	sentinel := errors.New("unknown placeholder")
	err := New("logger", "Config.Format", "%w {nope}", sentinel)
	if !errors.Is(err, sentinel) {
		t.Fatalf("%v does not wrap the sentinel", err)
	}
	if got, want := err.Error(), "logger: Config.Format: unknown placeholder {nope}"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
