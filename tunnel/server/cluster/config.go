package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"strings"
	"time"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Config configures a Node. Fields left zero take the default named in
// their comment; New validates the rest and names the field it refuses.
type Config struct {
	// Server configures the node's tunnel server, as for a single
	// server; every node of a cluster should have the same Domain,
	// tokens, reservations and limits. New sets its Registry.
	Server server.Config

	// Endpoints are the etcd client URLs, such as
	// "http://10.0.0.5:2379". Required.
	Endpoints []string
	// EtcdTLS, if set, is used for the connections to etcd.
	EtcdTLS *tls.Config
	// Prefix is the etcd key prefix of the cluster's keys; default
	// "/httpmw/tunnel/". Clusters sharing one etcd need different ones.
	Prefix string

	// Name identifies the node in keys' values and logs; default the
	// host name.
	Name string
	// Advertise is the host:port at which other nodes reach this node's
	// node listener, which they forward public requests to. Required. A
	// port of 0 (with Listen unset) advertises the port bound.
	Advertise string
	// Listen is where the node listener binds; default Advertise.
	Listen string

	// Certificate is this node's certificate, presented both to the nodes
	// it forwards to and to those forwarding to it (its leaf needs the
	// server and client auth key usages), and RootCAs verifies the other
	// nodes' (mutual TLS). Both nil with Server.DevCA set issue a node
	// certificate from the development CA, which then is the root: what
	// nodes sharing one -devDir need.
	Certificate *tls.Certificate
	RootCAs     *x509.CertPool

	// LeaseTTL is the TTL of the node's etcd lease, which holds its
	// names: a node that dies loses them after at most this long, and a
	// node that cannot renew its lease for this long refuses new names.
	// Default 5 s; at least 2 s (etcd's minimum lease is near that).
	LeaseTTL time.Duration
	// StoreTimeout bounds each etcd request; default 2 s.
	StoreTimeout time.Duration
	// ForwardDialTimeout bounds the TCP connect and TLS handshake to the
	// node holding a name, so that a stale entry (the node gone) answers
	// 502 quickly; default 2 s.
	ForwardDialTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "/httpmw/tunnel/"
	}
	if !strings.HasSuffix(c.Prefix, "/") {
		c.Prefix += "/"
	}
	if c.Name == "" {
		c.Name, _ = os.Hostname()
	}
	// As the server does, so names compare alike here (tree.go).
	if c.Server.Domain == "" {
		c.Server.Domain = "localhost"
	}
	c.Server.Domain = strings.ToLower(c.Server.Domain)
	if c.Listen == "" {
		c.Listen = c.Advertise
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.LeaseTTL, 5*time.Second)
	def(&c.StoreTimeout, 2*time.Second)
	def(&c.ForwardDialTimeout, 2*time.Second)
	return c
}

// validate returns an *httpmw.ConfigError naming the first bad field.
func (c Config) validate() error {
	bad := func(field, format string, args ...any) error {
		return cfgerr.New("cluster", "Config."+field, format, args...)
	}
	if len(c.Endpoints) == 0 {
		return bad("Endpoints", "at least one etcd URL is required")
	}
	for _, e := range c.Endpoints {
		if strings.TrimSpace(e) == "" {
			return bad("Endpoints", "empty URL")
		}
	}
	if c.Name == "" || strings.ContainsAny(c.Name, "/\x00") {
		return bad("Name", "must be a non-empty name without '/', got %q", c.Name)
	}
	if _, _, err := net.SplitHostPort(c.Advertise); err != nil || strings.HasPrefix(c.Advertise, ":") {
		return bad("Advertise", "must be host:port that other nodes can reach, got %q", c.Advertise)
	}
	if c.Certificate == nil && c.Server.DevCA == nil {
		return bad("Certificate", "required (node-to-node mutual TLS) unless Server.DevCA is set")
	}
	if (c.Certificate == nil) != (c.RootCAs == nil) {
		return bad("RootCAs", "Certificate and RootCAs go together")
	}
	if c.LeaseTTL < 2*time.Second {
		return bad("LeaseTTL", "must be at least 2s, got %v", c.LeaseTTL)
	}
	if c.StoreTimeout < 0 {
		return bad("StoreTimeout", "must not be negative, got %v", c.StoreTimeout)
	}
	if c.ForwardDialTimeout < 0 {
		return bad("ForwardDialTimeout", "must not be negative, got %v", c.ForwardDialTimeout)
	}
	if c.Server.Registry != nil {
		return bad("Server.Registry", "is set by New; leave it nil")
	}
	return nil
}
