// Command devserver serves a folder on http://localhost:2015, Caddy's port,
// through httpmw's middleware. It is the first thing to run after a clone:
//
//	go run ./examples/devserver [-root .] [-listen localhost:2015]
//
// Requests go through logger (Combined, to standard output), gzip and browse.
// An empty folder gets a welcome page that says what is served and how to go
// on, instead of Caddy 0.7's bare 404; other folders without an index page
// get a listing.
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
	"syscall"
	"time"
)

func main() {
	root := flag.String("root", ".", "folder to serve")
	listen := flag.String("listen", "localhost:2015", "address to listen on")
	flag.Parse()
	if err := run(*root, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run(root, listen string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return fmt.Errorf("-root %s: not a folder", root)
	}
	h, access, err := newSite(abs, os.Stdout)
	if err != nil {
		return err
	}
	defer access.Close() // after Serve returns, so the last lines are written
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	slog.Info("devserver: serving", "root", abs, "url", "http://"+ln.Addr().String()+"/")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-drained // in-flight requests are done; now the log may close
	return nil
}
