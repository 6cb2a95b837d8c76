package balancer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// runActive probes every host each Interval until ctx ends.
func (p *Pool) runActive(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.active.Interval)
	defer t.Stop()
	for {
		p.checkAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkAll runs one round of probes, all hosts at once, and applies the
// results. A round cut short by Close changes nothing.
func (p *Pool) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	results := make([]error, len(p.hosts))
	for i, h := range p.hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ContextWithHost(ctx, h), p.active.Timeout)
			defer cancel()
			results[i] = p.probe(pctx, h)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	changed := false
	for i, h := range p.hosts {
		pass := results[i] == nil
		if pass {
			if h.downUntil.Load() != 0 || !h.up.Load() {
				changed = true
			}
			h.forgive()
		}
		if h.activeDown.Swap(!pass) == pass {
			changed = true
		}
	}
	if changed {
		p.rebuild(false)
	}
}

// errProbe is wrapped by the reasons a probe failed.
var errProbe = errors.New("balancer: health probe failed")

func (p *Pool) probe(ctx context.Context, h *Host) error {
	if p.active.Check != nil {
		return p.active.Check(ctx, h)
	}
	scheme, host := "http", h.addr.Address
	if h.addr.Scheme == "https" || h.addr.Scheme == "wss" {
		scheme = "https"
	}
	if h.addr.Network == "unix" {
		host = "localhost"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+p.active.Path, nil)
	if err != nil {
		return err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if want := p.active.Status; want != 0 && res.StatusCode != want || want == 0 && (res.StatusCode < 200 || res.StatusCode > 399) {
		return fmt.Errorf("%w: status %d", errProbe, res.StatusCode)
	}
	if p.active.Body != "" {
		body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if err != nil {
			return err
		}
		if !strings.Contains(string(body), p.active.Body) {
			return fmt.Errorf("%w: body lacks the expected text", errProbe)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // so the connection is reused
	return nil
}

// newProbeClient returns the default probe client: no redirects followed,
// no keep-alive pile-up, unix sockets dialed for hosts that name one.
func newProbeClient() *http.Client {
	d := &net.Dialer{Timeout: defaultTimeout}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if h := HostFromContext(ctx); h != nil && h.addr.Network == "unix" {
				return d.DialContext(ctx, "unix", h.addr.Address)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     2 * defaultInterval,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
