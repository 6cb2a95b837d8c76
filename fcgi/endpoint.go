package fcgi

import (
	"errors"
	"net"
	"strconv"
	"strings"
)

// parseEndpoint turns an endpoint as written in Config.Endpoints into the
// network and address net.Dial takes.
func parseEndpoint(e string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(e, "unix:"):
		network, address = "unix", strings.TrimPrefix(strings.TrimPrefix(e, "unix:"), "//")
		if address == "" {
			return "", "", errors.New("unix: needs a socket path")
		}
		return network, address, nil
	case strings.HasPrefix(e, "/"):
		return "unix", e, nil
	case strings.HasPrefix(e, "tcp://"):
		e = strings.TrimPrefix(e, "tcp://")
	case strings.Contains(e, "://"):
		return "", "", errors.New("want host:port, tcp://host:port, unix:/path or /path")
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		return "", "", errors.New("want host:port, tcp://host:port, unix:/path or /path")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", errors.New("port must be 1-65535")
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return "tcp", net.JoinHostPort(host, port), nil
}
