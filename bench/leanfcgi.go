package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// leanFCGI is the "leanest FastCGI forwarder" peer: a net/http handler that
// runs each request synchronously on one of a fixed set of kept-alive
// FastCGI connections, with a fixed set of CGI params, the whole response
// buffered before it is sent. No request bodies, no timeouts, no retries,
// no checks on the script's output beyond what framing needs: the floor a
// Go front can reach, not a product.
type leanFCGI struct {
	root, addr string
	conns      chan *leanFCGIConn // free connections; nil entries are not dialed yet
	bufs       sync.Pool          // *bytes.Buffer
}

type leanFCGIConn struct {
	nc      net.Conn
	br      *bufio.Reader
	req     []byte // the request's records, reused
	content []byte // one record's content, reused
	stdout  []byte // the script's output, reused
}

func newLeanFCGI(root, addr string, conns int) *leanFCGI {
	l := &leanFCGI{root: root, addr: addr, conns: make(chan *leanFCGIConn, conns)}
	for range conns {
		l.conns <- nil
	}
	l.bufs.New = func() any { return new(bytes.Buffer) }
	return l
}

// FastCGI record types and the request id every request uses.
const (
	leanBegin  = 1
	leanEnd    = 3
	leanParams = 4
	leanStdin  = 5
	leanStdout = 6
)

func (l *leanFCGI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := <-l.conns
	out := l.bufs.Get().(*bytes.Buffer)
	status, err := l.exchange(&c, w, r, out)
	if err != nil {
		if c != nil {
			c.nc.Close()
		}
		c = nil
		w.WriteHeader(http.StatusBadGateway)
	}
	l.conns <- c
	if err == nil {
		w.WriteHeader(status)
		w.Write(out.Bytes())
	}
	out.Reset()
	l.bufs.Put(out)
}

// exchange sends r on *cp (dialing it first if needed), reads the answer's
// header into w and its body into out, and returns the status.
func (l *leanFCGI) exchange(cp **leanFCGIConn, w http.ResponseWriter, r *http.Request, out *bytes.Buffer) (int, error) {
	if *cp == nil {
		nc, err := net.Dial("tcp", l.addr)
		if err != nil {
			return 0, err
		}
		*cp = &leanFCGIConn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10)}
	}
	c := *cp
	script := path.Clean("/" + r.URL.Path)
	host, port, _ := net.SplitHostPort(r.Host)
	raddr, rport, _ := net.SplitHostPort(r.RemoteAddr)
	p := c.content[:0]
	for _, kv := range [...][2]string{
		{"SCRIPT_FILENAME", l.root + script}, {"SCRIPT_NAME", script},
		{"REQUEST_METHOD", r.Method}, {"QUERY_STRING", r.URL.RawQuery},
		{"REQUEST_URI", r.RequestURI}, {"DOCUMENT_ROOT", l.root},
		{"SERVER_PROTOCOL", r.Proto}, {"GATEWAY_INTERFACE", "CGI/1.1"},
		{"SERVER_SOFTWARE", "lean"}, {"REMOTE_ADDR", raddr}, {"REMOTE_PORT", rport},
		{"SERVER_NAME", host}, {"SERVER_PORT", port}, {"REDIRECT_STATUS", "200"},
	} {
		p = append(p, byte(len(kv[0])), byte(len(kv[1]))) // every one is under 128 bytes
		p = append(p, kv[0]...)
		p = append(p, kv[1]...)
	}
	req := c.req[:0]
	req = leanRecord(req, leanBegin, []byte{0, 1, 1, 0, 0, 0, 0, 0}) // responder, keep the connection
	req = leanRecord(req, leanParams, p)
	req = leanRecord(req, leanParams, nil)
	req = leanRecord(req, leanStdin, nil)
	c.req, c.content = req, p
	if _, err := c.nc.Write(req); err != nil {
		return 0, err
	}

	var hdr [8]byte
	stdout := c.stdout[:0]
	defer func() { c.stdout = stdout[:0] }()
	for {
		if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
			return 0, err
		}
		n := int(binary.BigEndian.Uint16(hdr[4:6]))
		pad := int(hdr[6])
		if cap(c.content) < n+pad {
			c.content = make([]byte, n+pad)
		}
		content := c.content[:n+pad]
		if _, err := io.ReadFull(c.br, content); err != nil {
			return 0, err
		}
		switch hdr[1] {
		case leanStdout:
			stdout = append(stdout, content[:n]...)
		case leanEnd:
			return leanParseCGI(stdout, w, out)
		}
	}
}

func leanRecord(b []byte, typ byte, content []byte) []byte {
	b = append(b, 1, typ, 0, 1, byte(len(content)>>8), byte(len(content)), 0, 0)
	return append(b, content...)
}

// leanParseCGI splits the script's output into header and body.
func leanParseCGI(stdout []byte, w http.ResponseWriter, out *bytes.Buffer) (int, error) {
	end := bytes.Index(stdout, []byte("\r\n\r\n"))
	sep := 4
	if end < 0 {
		if end = bytes.Index(stdout, []byte("\n\n")); end < 0 {
			return 0, errors.New("no end of header")
		}
		sep = 2
	}
	status := http.StatusOK
	for _, line := range strings.Split(string(stdout[:end]), "\n") {
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok {
			return 0, errors.New("bad header line")
		}
		v = strings.TrimSpace(v)
		if strings.EqualFold(k, "Status") {
			status, _ = strconv.Atoi(v[:3])
			continue
		}
		w.Header().Add(k, v)
	}
	out.Write(stdout[end+sep:])
	return status, nil
}
