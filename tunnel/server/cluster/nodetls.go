package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// nodeTLS is the TLS of node-to-node connections: the listener requires
// and verifies the forwarding node's certificate, and a forwarding node
// verifies the holder's.
type nodeTLS struct {
	listen, dial *tls.Config
}

func newNodeTLS(cfg Config) (*nodeTLS, error) {
	cert, roots := cfg.Certificate, cfg.RootCAs
	if cert == nil {
		host, _, _ := net.SplitHostPort(cfg.Advertise)
		c, err := issueNodeCert(cfg.Server.DevCA, cfg.Name, host)
		if err != nil {
			return nil, err
		}
		cert, roots = &c, cfg.Server.DevCA.Pool()
	}
	return &nodeTLS{
		listen: &tls.Config{
			Certificates: []tls.Certificate{*cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    roots,
			MinVersion:   tls.VersionTLS13,
			NextProtos:   []string{"http/1.1"},
		},
		dial: &tls.Config{
			Certificates: []tls.Certificate{*cert},
			RootCAs:      roots,
			MinVersion:   tls.VersionTLS13,
			NextProtos:   []string{"http/1.1"},
		},
	}, nil
}

// issueNodeCert signs, with the development CA, a certificate for a node
// usable on both ends of a connection (server and client auth), for its
// name and its advertised host.
func issueNodeCert(ca *server.DevCA, name, host string) (tls.Certificate, error) {
	keyPEM, err := ca.KeyPEM()
	if err != nil {
		return tls.Certificate{}, err
	}
	caPair, err := tls.X509KeyPair(ca.CertPEM(), keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	caCert, err := x509.ParseCertificate(caPair.Certificate[0])
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: "httpmw cluster node " + name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{name},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else if host != "" && host != name {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caPair.PrivateKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	if err != nil {
		return tls.Certificate{}, errors.New("cluster: node certificate: " + err.Error())
	}
	return c, nil
}
