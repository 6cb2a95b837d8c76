package reverseproxy

import (
	"net/http"
	"net/http/httputil"
	"strings"
)

// rewrite is httputil's Rewrite hook: the path, the X-Forwarded-* headers
// and the HeaderUp rules. The upstream is not known yet; the balancing
// transport fills in the URL's scheme and host for each try.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := pr.Out
	if p.without != "" {
		out.URL.Path = stripPrefix(out.URL.Path, p.without)
		if out.URL.RawPath != "" {
			out.URL.RawPath = stripPrefix(out.URL.RawPath, p.without)
		}
	}
	p.setForwarded(pr)
	if len(p.headerUp) > 0 {
		apply(p.headerUp, out.Header, &out.Host, &fill{req: pr.In})
	}
}

// stripPrefix cuts prefix from path when it is a whole leading segment run.
func stripPrefix(path, prefix string) string {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || rest != "" && rest[0] != '/' {
		return path
	}
	if rest == "" {
		return "/"
	}
	return rest
}

// modifyResponse applies HeaderDown and the sticky cookie.
func (p *Proxy) modifyResponse(res *http.Response) error {
	x := exchangeFrom(res.Request.Context())
	if x == nil || x.host == nil {
		return nil
	}
	if len(p.headerDown) > 0 {
		apply(p.headerDown, res.Header, nil, &fill{req: x.in, res: res, upstream: p.targets[x.host.Index()].label})
	}
	if ck := p.pool.StickyCookie(x.in, x.host); ck != nil {
		res.Header.Add("Set-Cookie", ck.String())
	}
	return nil
}
