// Command caddy serves a Caddy 0.7 Caddyfile with httpmw's middleware:
//
//	go run ./examples/caddy                  # ./Caddyfile, or the current folder on :2015
//	go run ./examples/caddy -conf site.conf  # another file
//	go run ./examples/caddy -validate        # check the file and exit
//	kill -USR1 <pid>                         # reload the file gracefully
//
// Without a Caddyfile it serves the current folder on :2015 the way
// examples/devserver does: access log to standard output, gzip, listings,
// and a welcome page while the folder is empty.
//
// On SIGUSR1 the file is read again. A file that fails to load is reported
// and the running configuration stays. Otherwise the new sites take new
// requests at once, on the same listeners where the port is unchanged;
// requests in flight finish on the old configuration, which is closed (its
// logs flushed, its health checks, FastCGI pools and git syncers stopped)
// once they are done. SIGINT and SIGTERM shut down gracefully.
//
// The Caddyfile and the log files are never served, even from "root .".
// Each listener closes a client that drips its request headers (10s), a
// request body that stops moving (64 KiB per 60s of waiting), a client that
// stops reading the response (64 KiB per 60s) and an idle keep-alive
// connection (2m); request heads are limited to 1 MiB. A large download
// or upload that keeps moving is never cut off. Change them with
// -header-timeout, -body-timeout, -write-timeout, -idle-timeout and
// -max-header-bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/httpmw/httpmw/caddyfile"
	"github.com/httpmw/httpmw/internal/httpserve"
)

func main() {
	conf := flag.String("conf", "", "Caddyfile to load (default ./Caddyfile if it exists)")
	validate := flag.Bool("validate", false, "check the Caddyfile and exit")
	host := flag.String("host", "", "interface to listen on (default all, as Caddy 0.7)")
	var lim httpserve.Limits
	lim.Flags(flag.CommandLine)
	flag.Parse()

	path, explicit := *conf, *conf != ""
	if !explicit {
		path = "Caddyfile"
	}
	if *validate {
		if err := validateFile(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(path + ": valid")
		return
	}
	if explicit {
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintln(os.Stderr, "caddy:", err)
			os.Exit(1)
		}
	}
	r := &runner{conf: path, host: *host, defaultAddr: ":" + caddyfile.DefaultPort, defaultRoot: ".", limits: lim}
	if err := r.start(); err != nil {
		fmt.Fprintln(os.Stderr, "caddy:", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, os.Interrupt, syscall.SIGTERM)
	r.handleSignals(sigs, nil)
}

// handleSignals reloads on SIGUSR1 and shuts down gracefully on any other
// signal, then returns. reloaded, when not nil, is told each reload's result.
func (r *runner) handleSignals(sigs <-chan os.Signal, reloaded func(error)) {
	for sig := range sigs {
		if sig == syscall.SIGUSR1 {
			err := r.reload()
			if err != nil {
				slog.Error("caddy: reload failed; the running configuration stays", "err", err)
			}
			if reloaded != nil {
				reloaded(err)
			}
			continue
		}
		slog.Info("caddy: shutting down", "signal", sig.String())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r.shutdown(ctx)
		cancel()
		return
	}
}

// validateFile checks a Caddyfile without starting anything.
func validateFile(path string) error {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return err
	}
	return caddyfile.Validate(path, src, nil)
}
