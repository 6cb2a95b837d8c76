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
	"strings"
	"syscall"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/examples/internal/devsite"
	"github.com/httpmw/httpmw/gitsync"
	"github.com/httpmw/httpmw/internal/httpserve"
)

// options are the command line.
type options struct {
	repo, branch, dest, listen string
	interval                   time.Duration // 0: no polling
	hook, secret               string        // the webhook is on when both are set
	status                     string        // path of gitsync's status page; "" for none
	then                       string        // shell command line run in each new revision; "" for none
	thenTimeout                time.Duration // 0: gitsync's default (one minute)
	limits                     httpserve.Limits

	// For tests: ready is told the site's URL once serving; onSync is
	// gitsync's OnSync hook; connState is the server's ConnState. nil
	// means no call.
	ready     func(url string)
	onSync    func(gitsync.Status, error)
	connState func(net.Conn, http.ConnState)
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2) // flag has printed the error and the usage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "autodeploy:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("autodeploy", flag.ContinueOnError)
	fs.StringVar(&o.repo, "repo", "", "repository `URL` (https, ssh, git:// or file://)")
	fs.StringVar(&o.branch, "branch", "", "branch to deploy (default: the remote's default branch)")
	fs.StringVar(&o.dest, "dest", "deploy", "`folder` gitsync owns: the clone and the deployed revisions")
	fs.StringVar(&o.listen, "listen", "localhost:2015", "address to listen on")
	fs.DurationVar(&o.interval, "interval", time.Minute, "how often to poll the repository (0: never)")
	fs.StringVar(&o.hook, "hook", "/_deploy", "`path` of the push webhook (\"\" for none)")
	fs.StringVar(&o.secret, "secret", os.Getenv("AUTODEPLOY_SECRET"), "webhook secret (default $AUTODEPLOY_SECRET); the webhook is off without one")
	fs.StringVar(&o.status, "status", "/_status", "`path` of the deploy status page, JSON, 503 after a failed sync (\"\" for none)")
	fs.StringVar(&o.then, "then", "", "`command` line run by /bin/sh -c in each new revision's folder before it goes live ($GITSYNC_HASH is the commit)")
	fs.DurationVar(&o.thenTimeout, "then-timeout", time.Minute, "how long -then may run")
	o.limits.Flags(fs)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (quote the -then command line)", fs.Arg(0))
		fmt.Fprintln(fs.Output(), err)
	}
	return o, err
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
	var then []string
	if strings.TrimSpace(o.then) != "" {
		// A shell runs it, so quoting, pipes and && work as typed.
		then = []string{"/bin/sh", "-c", o.then}
	}
	syncer, err := gitsync.New(gitsync.Config{
		URL: o.repo, Branch: o.branch, Dest: o.dest, Interval: interval,
		Then: then, ThenTimeout: o.thenTimeout, OnSync: o.onSync,
	})
	if err != nil {
		return err
	}
	defer syncer.Close()
	// With a revision in -dest, Start returns at once and syncs in the
	// background; only a first deploy waits here (and fails the command).
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
	if o.status != "" {
		h = onPath(o.status, httpmw.ToHTTP(syncer.StatusHandler()), h)
	}
	if o.hook != "" && o.secret != "" {
		hook, err := syncer.Webhook(gitsync.WebhookConfig{Secret: o.secret})
		if err != nil {
			return err
		}
		h = onPath(o.hook, httpmw.ToHTTP(hook), h)
	} else if o.hook != "" {
		slog.Warn("autodeploy: no -secret (or AUTODEPLOY_SECRET): the webhook is off", "hook", o.hook)
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	srv := o.limits.Server(h)
	srv.ConnState = o.connState
	url := "http://" + ln.Addr().String() + "/"
	st := syncer.Status()
	slog.Info("autodeploy: serving", "url", url, "revision", st.Revision, "last_error", st.LastError)
	if o.ready != nil {
		o.ready(url)
	}
	return devsite.Serve(ctx, srv, o.limits.Listener(ln)) // in-flight requests are done when it returns; then the log may close
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
