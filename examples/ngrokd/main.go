// Command ngrokd runs httpmw's ngrokd-compatible tunnel server. Its flags
// follow the original ngrokd 1.7 (an empty address disables a listener),
// plus tokens, reservations and a development mode:
//
//	go run ./examples/ngrokd -dev -domain localhost -httpAddr :8080 -httpsAddr :8443 -token s3cret=alice
//
// With -dev and no -tlsCrt, a local CA is made on first run in -devDir and
// kept; the server issues from it a certificate for each name a client
// asks for (demo.localhost, localhost, 127.0.0.1, ...) and prints how
// clients trust the CA. The stock ngrok 1.7 client then connects with
// "server_addr: host:4443" and "auth_token: s3cret" in its config file.
//
// The per-client limits and timeouts of server.Config have flags named
// after their fields (limits.go), such as -maxSessionsPerAccount and
// -disableMux; 0 keeps the default.
//
// With -etcd, the server is one node of a cluster (package
// tunnel/server/cluster); see cluster.go for its flags.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/httpmw/httpmw/tunnel/server"
)

// options are the command line, parsed.
type options struct {
	domain, httpAddr, httpsAddr, tunnelAddr string
	tlsCrt, tlsKey                          string
	tcpAddr, tcpPorts                       string
	tokens, reservations                    []string
	tokensFile                              string
	anonymous, dev                          bool
	devDir, logLevel                        string
	limits                                  limitFlags
	cluster                                 clusterOptions
}

// list is a repeatable flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ngrokd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.domain, "domain", "ngrok.com", "domain where the tunnels are hosted")
	fs.StringVar(&o.httpAddr, "httpAddr", ":80", "public address for HTTP connections, empty string to disable")
	fs.StringVar(&o.httpsAddr, "httpsAddr", ":443", "public address listening for HTTPS connections, empty string to disable")
	fs.StringVar(&o.tunnelAddr, "tunnelAddr", ":4443", "public address listening for ngrok clients")
	fs.StringVar(&o.tlsCrt, "tlsCrt", "", "path to a TLS certificate file (PEM)")
	fs.StringVar(&o.tlsKey, "tlsKey", "", "path to a TLS key file (PEM)")
	fs.StringVar(&o.tcpAddr, "tcpAddr", "", "IP address TCP tunnels bind to, such as 0.0.0.0; empty string to refuse TCP tunnels")
	fs.StringVar(&o.tcpPorts, "tcpPorts", "", "allowed TCP tunnel ports, as min-max (default: any)")
	fs.Var((*list)(&o.tokens), "token", "accepted auth token as token=account (repeatable)")
	fs.StringVar(&o.tokensFile, "tokensFile", "", "file of accepted tokens, one \"token account\" per line")
	fs.Var((*list)(&o.reservations), "reserve", "reserve a subdomain or hostname as name=account (repeatable)")
	fs.BoolVar(&o.anonymous, "allowAnonymous", false, "accept any token, as the original ngrokd does")
	fs.BoolVar(&o.dev, "dev", false, "development mode: make (once) and use a local CA when -tlsCrt is not given")
	fs.StringVar(&o.devDir, "devDir", defaultDevDir(), "where -dev keeps its CA")
	fs.StringVar(&o.logLevel, "log-level", "INFO", "DEBUG, INFO, WARN or ERROR")
	o.limits.flags(fs)
	o.cluster.flags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

func defaultDevDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "httpmw-ngrokd")
	}
	return ".httpmw-ngrokd"
}

// config turns options into a server.Config, making or loading the dev CA
// when asked; notes are lines to print for the user.
func config(o *options) (cfg server.Config, notes []string, err error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return cfg, nil, fmt.Errorf("-log-level: %w", err)
	}
	cfg = server.Config{
		Domain:         o.domain,
		TunnelAddr:     o.tunnelAddr,
		HTTPAddr:       o.httpAddr,
		HTTPSAddr:      o.httpsAddr,
		TCPAddr:        o.tcpAddr,
		AllowAnonymous: o.anonymous,
		Tokens:         map[string]string{},
		Reservations:   map[string]string{},
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	o.limits.apply(&cfg)
	if o.tcpPorts != "" {
		lo, hi, ok := strings.Cut(o.tcpPorts, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil {
			return cfg, nil, fmt.Errorf("-tcpPorts: want min-max, got %q", o.tcpPorts)
		}
		cfg.TCPPortMin, cfg.TCPPortMax = a, b
	}
	for _, t := range o.tokens {
		tok, acct, ok := strings.Cut(t, "=")
		if !ok || tok == "" || acct == "" {
			return cfg, nil, errors.New("-token: want token=account")
		}
		cfg.Tokens[tok] = acct
	}
	if o.tokensFile != "" {
		b, err := os.ReadFile(o.tokensFile)
		if err != nil {
			return cfg, nil, fmt.Errorf("-tokensFile: %w", err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || strings.HasPrefix(f[0], "#") {
				continue
			}
			if len(f) != 2 {
				return cfg, nil, fmt.Errorf("-tokensFile: line %d: want \"token account\"", i+1)
			}
			cfg.Tokens[f[0]] = f[1]
		}
	}
	for _, r := range o.reservations {
		name, acct, ok := strings.Cut(r, "=")
		if !ok || name == "" || acct == "" {
			return cfg, nil, errors.New("-reserve: want name=account")
		}
		cfg.Reservations[strings.ToLower(name)] = acct
	}
	switch {
	case o.tlsCrt != "" || o.tlsKey != "":
		cert, err := tls.LoadX509KeyPair(o.tlsCrt, o.tlsKey)
		if err != nil {
			return cfg, nil, fmt.Errorf("-tlsCrt/-tlsKey: %w", err)
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	case o.dev:
		ca, caFile, err := devCA(o.devDir)
		if err != nil {
			return cfg, nil, fmt.Errorf("-dev: %w", err)
		}
		cfg.DevCA = ca
		notes = append(notes,
			"development CA: "+caFile,
			"  httpmw tunnel client and curl: SSL_CERT_FILE="+caFile+" (or curl --cacert "+caFile+")",
			"  stock ngrok 1.7 release client: add the CA to the system store and set trust_host_root_certs: true",
		)
	default:
		return cfg, nil, errors.New("no certificate: give -tlsCrt and -tlsKey, or -dev for a local CA")
	}
	return cfg, notes, nil
}

// devCA loads the CA kept in dir, making it on first run, and returns it
// with the path of its certificate for clients to trust.
func devCA(dir string) (*server.DevCA, string, error) {
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	certPEM, err1 := os.ReadFile(certFile)
	keyPEM, err2 := os.ReadFile(keyFile)
	switch {
	case err1 == nil && err2 == nil:
		ca, err := server.LoadDevCA(certPEM, keyPEM)
		return ca, certFile, err
	case errors.Is(err1, os.ErrNotExist) && errors.Is(err2, os.ErrNotExist):
		ca, err := server.NewDevCA()
		if err != nil {
			return nil, "", err
		}
		key, err := ca.KeyPEM()
		if err != nil {
			return nil, "", err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(keyFile, key, 0o600); err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(certFile, ca.CertPEM(), 0o644); err != nil {
			return nil, "", err
		}
		return ca, certFile, nil
	default:
		return nil, "", fmt.Errorf("incomplete CA in %s: need both ca.pem and ca-key.pem", dir)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(*server.Server)) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, notes, err := config(o)
	if err != nil {
		return err
	}
	if o.cluster.etcd != "" {
		return runNode(ctx, o, cfg, notes, stdout, ready)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ngrokd: tunnels on %s, http on %s, https on %s, domain %s\n", srv.TunnelAddr(), addr(srv.HTTPAddr()), addr(srv.HTTPSAddr()), cfg.Domain)
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	if ready != nil {
		ready(srv)
	}
	return srv.Serve(ctx)
}

func addr(a net.Addr) string {
	if a == nil {
		return "(off)"
	}
	return a.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "ngrokd:", err)
		os.Exit(2)
	}
}
