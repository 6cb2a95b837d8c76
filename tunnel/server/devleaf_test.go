package server

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
)

func TestLeafPerNameCachedAndBounded(t *testing.T) {
	ca, err := NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	fallback, err := ca.Issue("localhost")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fallback.Leaf.DNSNames, " "); got != "localhost *.localhost" {
		t.Fatalf("Issue(localhost) names %q, each once wanted", got)
	}
	get := ca.GetCertificateFunc(func(n string) bool { return strings.HasSuffix(n, ".localhost") }, &fallback)
	hello := func(name string) *tls.Certificate {
		t.Helper()
		c, err := get(&tls.ClientHelloInfo{ServerName: name})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := hello("Demo.Localhost.")
	if a.Leaf.Subject.CommonName != "demo.localhost" || len(a.Leaf.DNSNames) != 1 || a.Leaf.DNSNames[0] != "demo.localhost" {
		t.Fatalf("leaf for demo.localhost: %v %v", a.Leaf.Subject, a.Leaf.DNSNames)
	}
	if a.Leaf.CheckSignatureFrom(ca.Cert) != nil {
		t.Fatal("leaf not signed by the CA")
	}
	if hello("demo.localhost") != a {
		t.Fatal("second handshake for the same name issued again")
	}
	for _, name := range []string{"example.com", "bad_name.localhost", "", strings.Repeat("a.", 130) + "localhost"} {
		if hello(name) != &fallback {
			t.Fatalf("%q did not get the fallback", name)
		}
	}
	for i := range maxLeaves + 10 {
		hello(fmt.Sprintf("n%d.localhost", i))
	}
	if hello("demo.localhost") == a {
		t.Fatal("cache kept more than maxLeaves names")
	}
}
