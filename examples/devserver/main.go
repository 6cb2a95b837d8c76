// Command devserver serves a folder on http://localhost:2015, Caddy's port,
// through httpmw's middleware. It is the first thing to run after a clone:
//
//	go run ./examples/devserver [-root .] [-listen localhost:2015]
//	go run ./examples/devserver -tunnel ngrokd.example.com:4443 -subdomain demo -authtoken TOKEN
//
// Requests go through logger (Combined, to standard output), gzip and browse.
// An empty folder gets a welcome page that says what is served and how to go
// on, instead of Caddy 0.7's bare 404; other folders without an index page
// get a listing. With -tunnel the same site is also served to the internet
// through an ngrok 1.x server (ours, tunnel/server, or a stock ngrokd 1.7),
// and its public URL is printed; a server with a private CA is trusted with
// SSL_CERT_FILE=ca.pem. Every request is then recorded, and shown with
// replay on the inspector page at http://127.0.0.1:4040 (-inspect).
//
// The site and the inspector have the timeouts of examples/caddy, on the
// tunnel's connections too: a client that drips its request headers
// (10s), a request body that stops moving (64 KiB per 60s of waiting) or
// a client that stops reading the response (64 KiB per 60s) is closed, as
// is an idle keep-alive connection (2m). A large download or upload that
// keeps moving, and the inspector's live stream, are never cut off. Change
// them with -header-timeout, -body-timeout, -write-timeout, -idle-timeout
// and -max-header-bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/examples/internal/devsite"
	"github.com/httpmw/httpmw/internal/httpserve"
	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/inspect"
)

// options are the command line.
type options struct {
	root, listen string
	tunnel       tunnel.Config // Server "" means no tunnel
	inspect      string        // inspector UI address when tunnelling; "" means none
	limits       httpserve.Limits

	// ready, when set, is told the URLs once serving.
	ready func(urls)
}

// urls are where the site and its tools are served.
type urls struct {
	local     string
	public    []string // through the tunnel
	inspector string   // the inspector page, when on
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "folder to serve")
	flag.StringVar(&o.listen, "listen", "localhost:2015", "address to listen on")
	flag.StringVar(&o.tunnel.Server, "tunnel", "", "ngrok 1.x server `host:port` to serve the site through as well")
	flag.StringVar(&o.tunnel.Subdomain, "subdomain", "", "subdomain to ask the tunnel server for")
	flag.StringVar(&o.tunnel.AuthToken, "authtoken", "", "auth token for the tunnel server")
	flag.StringVar(&o.inspect, "inspect", "127.0.0.1:4040", "with -tunnel, `address` of the request inspector page (\"\" for none)")
	o.limits.Flags(flag.CommandLine)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", oneLine(err.Error()))
		os.Exit(1)
	}
}

// run serves until ctx ends, then drains in-flight requests.
func run(ctx context.Context, o options) error {
	abs, err := filepath.Abs(o.root)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return fmt.Errorf("-root %s: not a folder", o.root)
	}
	h, access, err := devsite.New(abs, os.Stdout, welcomePage)
	if err != nil {
		return err
	}
	defer access.Close() // after serveSite returns, so the last lines are written
	o.root = abs
	return serveSite(ctx, o, h)
}

// serveSite serves h on o.listen, and with o.tunnel through the tunnel as
// well, under o.limits, until ctx ends; then it drains in-flight requests.
func serveSite(ctx context.Context, o options, h http.Handler) (err error) {
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	u := urls{local: "http://" + ln.Addr().String() + "/"}
	slog.Info("devserver: serving", "root", o.root, "url", u.local)

	if o.tunnel.Server != "" && o.inspect != "" {
		record, uiAddr, stopUI, err := startInspector(o.limits, u.local, o.inspect)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopUI()
		h = record(h)
		u.inspector = "http://" + uiAddr + "/"
		slog.Info("devserver: inspector", "url", u.inspector)
	}
	// The inspector records inside the limits, so that the body it reads
	// after the handler is read under the body timeout too.
	srv := o.limits.Server(h)
	if o.tunnel.Server != "" {
		o.tunnel.Logger = slog.Default()
		tl, lerr := tunnel.Listen(ctx, o.tunnel)
		if lerr != nil {
			ln.Close()
			return tunnelFailed(o.tunnel.Server, lerr)
		}
		u.public = tl.URLs()
		slog.Info("devserver: public", "url", strings.Join(u.public, " "))
		// Shutdown closes tl with the local listener. Serve returns
		// anything else when the tunnel server refused a reconnect for
		// good (a new auth token, the subdomain taken): then the whole
		// command stops with that reason, rather than serve on silently
		// with its public URL gone.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		tunnelErr := make(chan error, 1)
		go func() {
			// The write timeout works on a tunnel's connections as on
			// TCP ones: their deadlines are the proxy connection's.
			err := srv.Serve(o.limits.Listener(tl))
			// ErrClosed: ctx ended, which closes tl, maybe before Shutdown.
			if !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				tunnelErr <- tunnelFailed(o.tunnel.Server, err)
				cancel()
			}
			close(tunnelErr)
		}()
		defer func() {
			if err != nil {
				srv.Close() // Serve failed before any Shutdown: end the tunnel's too
			}
			if terr := <-tunnelErr; terr != nil && err == nil {
				err = terr
			}
		}()
	}
	if o.ready != nil {
		o.ready(u)
	}
	return devsite.Serve(ctx, srv, o.limits.Listener(ln)) // in-flight requests are done when it returns; then the log may close
}

// tunnelFailed names the tunnel server in err, without the listener's
// address that Accept's *net.OpError adds: what the server said is the
// reason.
func tunnelFailed(server string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "accept" {
		err = op.Err
	}
	return fmt.Errorf("-tunnel %s: %w", server, err)
}

// startInspector shows the requests that record records, with replay to
// local, on a page of its own at addr, served under lim. stop ends the
// page, its live streams included.
func startInspector(lim httpserve.Limits, local, addr string) (record func(http.Handler) http.Handler, uiAddr string, stop func(), err error) {
	ins, err := inspect.New(inspect.Config{Target: strings.TrimSuffix(local, "/")})
	if err != nil {
		return nil, "", nil, err
	}
	uiLn, err := net.Listen("tcp", addr)
	if err != nil {
		ins.Close()
		return nil, "", nil, fmt.Errorf("-inspect: %w", err)
	}
	ui := lim.Server(httpmw.ToHTTP(ins.Handler()))
	go ui.Serve(lim.Listener(uiLn))
	record = func(h http.Handler) http.Handler { return httpmw.ToHTTP(ins.Middleware(httpmw.FromHTTP(h))) }
	return record, uiLn.Addr().String(), func() { ins.Close(); ui.Close() }, nil
}

// oneLine keeps a message, which may quote a server, on one readable line.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
}
