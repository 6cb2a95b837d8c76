package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gitsync"
	"github.com/httpmw/httpmw/internal/devsite"
)

// options are the command line.
type options struct {
	repo, branch, dest, listen string
	interval                   time.Duration // 0: no polling
	hook, secret               string        // the webhook is on when both are set

	// For tests: ready is told the site's URL once serving; onSync is
	// gitsync's OnSync hook. nil means no call.
	ready  func(url string)
	onSync func(gitsync.Status, error)
}

func main() {
	var o options
	flag.StringVar(&o.repo, "repo", "", "repository `URL` (https, ssh, git:// or file://)")
	flag.StringVar(&o.branch, "branch", "", "branch to deploy (default: the remote's default branch)")
	flag.StringVar(&o.dest, "dest", "deploy", "`folder` gitsync owns: the clone and the deployed revisions")
	flag.StringVar(&o.listen, "listen", "localhost:2015", "address to listen on")
	flag.DurationVar(&o.interval, "interval", time.Minute, "how often to poll the repository (0: never)")
	flag.StringVar(&o.hook, "hook", "/_deploy", "`path` of the push webhook (\"\" for none)")
	flag.StringVar(&o.secret, "secret", os.Getenv("AUTODEPLOY_SECRET"), "webhook secret (default $AUTODEPLOY_SECRET); the webhook is off without one")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "autodeploy:", err)
		os.Exit(1)
	}
}

// run deploys o.repo, then serves it until ctx ends.
func run(ctx context.Context, o options) error {
	if o.repo == "" {
		return errors.New("-repo is required")
	}
	interval := o.interval
	if interval == 0 {
		interval = -1 // gitsync's "no polling"; its 0 means one hour
	}
	syncer, err := gitsync.New(gitsync.Config{URL: o.repo, Branch: o.branch, Dest: o.dest, Interval: interval, OnSync: o.onSync})
	if err != nil {
		return err
	}
	defer syncer.Close()
	if err := syncer.Start(ctx); err != nil {
		return err
	}

	// browse follows the link gitsync switches, one revision per request.
	site, access, err := devsite.New(syncer.Dir(), os.Stdout, emptyRepoPage)
	if err != nil {
		return err
	}
	defer access.Close() // after the server drained, so the last lines are written
	h := site
	if o.hook != "" && o.secret != "" {
		hook, err := syncer.Webhook(gitsync.WebhookConfig{Secret: o.secret})
		if err != nil {
			return err
		}
		h = onPath(o.hook, httpmw.ToHTTP(hook), site)
	} else if o.hook != "" {
		slog.Warn("autodeploy: no -secret (or AUTODEPLOY_SECRET): the webhook is off", "hook", o.hook)
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/"
	slog.Info("autodeploy: serving", "url", url, "revision", syncer.Status().Revision)
	if o.ready != nil {
		o.ready(url)
	}
	return devsite.Serve(ctx, srv, ln) // in-flight requests are done when it returns; then the log may close
}

// onPath sends requests for exactly path to h, and the rest to next. (A
// ServeMux pattern would panic on a -hook holding "{" or a method.)
func onPath(path string, h, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// emptyRepoPage answers "/" while the deployed revision has no files.
var emptyRepoPage = template.Must(template.New("empty").Parse(`<!doctype html>
<meta charset="utf-8"><title>autodeploy</title>
<p>The repository has no files to serve yet. Push some: they appear here.</p>
`))
