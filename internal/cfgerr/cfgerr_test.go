package cfgerr

import (
	"errors"
	"testing"

	"github.com/httpmw/httpmw"
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

func TestAs(t *testing.T) {
	var ce *httpmw.ConfigError
	if err := New("gitsync", "WebhookConfig.MaxBody", "must not be negative"); !errors.As(err, &ce) ||
		ce.Package != "gitsync" || ce.Field != "WebhookConfig.MaxBody" {
		t.Fatalf("errors.As: %#v", ce)
	}
}
