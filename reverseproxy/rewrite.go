package reverseproxy

import (
	"net/http"
	"net/http/httputil"
	"strings"
)

// rewrite is httputil's Rewrite hook: the path, the X-Forwarded-* headers
// and the HeaderUp rules. The upstream is not known yet; the balancing
// transport fills in the URL's scheme and host for each try.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) { p.rewriteOut(pr.In, pr.Out) }

// rewriteOut is the part of building out from in that both paths share:
// the path, the X-Forwarded-* fields (the client's were removed) and the
// HeaderUp rules.
func (p *Proxy) rewriteOut(in, out *http.Request) {
	if p.without != "" {
		out.URL.Path = stripPrefix(out.URL.Path, p.without)
		if out.URL.RawPath != "" {
			out.URL.RawPath = stripPrefix(out.URL.RawPath, p.without)
		}
	}
	p.setForwarded(in, out.Header)
	if len(p.headerUp) > 0 {
		apply(p.headerUp, out.Header, &out.Host, &fill{req: in})
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

// modifyUpgrade is httputil's ModifyResponse hook, for upgrade requests.
func (p *Proxy) modifyUpgrade(res *http.Response) error {
	if x := exchangeFrom(res.Request.Context()); x != nil {
		p.modifyResponse(x, res)
	}
	return nil
}

// modifyResponse applies HeaderDown and the sticky cookie.
func (p *Proxy) modifyResponse(x *exchange, res *http.Response) {
	if x.host == nil {
		return
	}
	if len(p.headerDown) > 0 {
		apply(p.headerDown, res.Header, nil, &fill{req: x.in, res: res, upstream: p.targets[x.host.Index()].label})
	}
	if ck := p.pool.StickyCookie(x.in, x.host); ck != nil {
		res.Header.Add("Set-Cookie", ck.String())
	}
}
