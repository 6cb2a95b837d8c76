package reverseproxy

import (
	"crypto/tls"
	"crypto/x509"
)

func tlsRoots(roots *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: roots} }
