package tunnel

import (
	"context"
	"testing"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// A 1.7 ngrokd ignores the client's offer (encoding/json drops the unknown
// Auth field) and answers without AuthResp.Mux: the session then speaks
// the 1.7 protocol, a proxy connection per public connection. With
// DisableMux the offer is not even made.
func TestMuxOfferIgnoredBy17Server(t *testing.T) {
	for _, disable := range []bool{false, true} {
		f := newFakeServer(t)
		cfg := f.config()
		cfg.DisableMux = disable
		l, err := Listen(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		serve(t, l, whoami)
		for range 3 {
			get(t, f.httpClient(l.URL()), l.URL()+"/x")
		}
		auth := <-f.auths
		if want := map[bool]string{false: wire.MuxSmux, true: ""}[disable]; auth.Mux != want {
			t.Fatalf("DisableMux %v: Auth.Mux = %q, want %q", disable, auth.Mux, want)
		}
		if n := f.regs.Load(); n < 3 {
			t.Fatalf("DisableMux %v: %d proxy connections for 3 public connections", disable, n)
		}
		l.Close()
	}
}
