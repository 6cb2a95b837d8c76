package server

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// TestShutdownIsNotAnError: stopping the server, through Serve's context
// (what ngrokd does on SIGTERM) or through Close, logs no failure: its
// listeners closing is what was asked for.
func TestShutdownIsNotAnError(t *testing.T) {
	for _, how := range []string{"context", "Close"} {
		var logs testhttp.Buffer
		srv, err := New(Config{
			Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0",
			TCPAddr: "127.0.0.1", AllowAnonymous: true,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx) }()
		// A session with a tcp tunnel, so that its accept loop ends too.
		c, _ := connect(t, srv, "", "", "")
		c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})
		if how == "context" {
			cancel()
		} else {
			srv.Close()
		}
		if err := <-served; err != nil {
			t.Errorf("%s: Serve: %v", how, err)
		}
		cancel()
		srv.Close()
		c.close()
		for _, bad := range []string{"level=ERROR", "level=WARN", "failed", "use of closed network connection"} {
			if strings.Contains(logs.String(), bad) {
				t.Errorf("stopped by %s, the log says %q:\n%s", how, bad, logs.String())
			}
		}
	}
}
