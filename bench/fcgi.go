package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yookoala/gofast"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/fcgi"
)

// fcgiComparisons sets fcgi against nginx's fastcgi_pass with keepalive, the
// leanest FastCGI forwarder (leanfcgi.go), plain gofast (SimpleClientFactory:
// one connection per request) and Caddy 2's php_fastcgi when a caddy binary
// is installed, all serving `<?php echo "Hello World\n";` from a php-fpm
// with pm static and 5, 8 or 16 children, loaded by wrk -t1 with fcgiConns
// connections. httpmw runs twice: with MaxConns sized to the children, and
// with the PHP preset's default, to show what sizing buys.
//
// Every side gets its own php-fpm, started from the same config, so no side
// inherits another's connections or workers. The fronts run as their own
// processes, ours, the leanest and gofast's by re-running this binary (see
// fcgiServeEnv), so that their CPU time and peak RSS, read from /proc, are
// theirs alone: "CPU µs/req" is the front's CPU time over the requests wrk
// completed (php-fpm's is not counted). All sides run at once and take
// fcgiRounds turns, one after the other in each round; each reports its
// median round.
func fcgiComparisons() []Comparison {
	var all []Comparison
	for _, children := range []int{5, 8, 16} {
		load := measuredTogether(func() (map[string]Figures, map[string]error) { return fcgiLoadAll(children) })
		all = append(all, Comparison{
			Package: "fcgi", Case: fmt.Sprintf("php hello world, %d php-fpm children, wrk -c%d", children, fcgiConns),
			Ours: load(fcgiOurs),
			Peers: []Peer{
				{fcgiBaseline, load(fcgiBaseline)},
				{fcgiOursDefault, load(fcgiOursDefault)},
				{fcgiLean, load(fcgiLean)},
				{fcgiNginx, load(fcgiNginx)},
				{fcgiGofast, load(fcgiGofast)},
				{fcgiCaddy, load(fcgiCaddy)},
			},
		})
	}
	return append(all, fcgiLayerComparison())
}

const (
	fcgiConns    = 16
	fcgiRounds   = 9
	fcgiDuration = 2 * time.Second

	fcgiServeEnv    = "HTTPMW_BENCH_FCGI_SERVE"    // side to serve, one of the Go sides below
	fcgiFPMEnv      = "HTTPMW_BENCH_FCGI_FPM"      // php-fpm's address, for the child
	fcgiRootEnv     = "HTTPMW_BENCH_FCGI_ROOT"     // document root, for the child
	fcgiChildrenEnv = "HTTPMW_BENCH_FCGI_CHILDREN" // php-fpm's pm.max_children, for the child

	fcgiOurs        = "httpmw"
	fcgiOursDefault = "httpmw, PHP preset's default MaxConns"
	fcgiLean        = "leanest FastCGI forwarder"
	fcgiNginx       = "nginx 1 worker, fastcgi_pass keepalive"
	fcgiGofast      = "plain gofast"
	fcgiCaddy       = "Caddy 2 php_fastcgi"

	// fcgiBaselineEnv, when set, names a binary of this bench built from
	// an earlier commit: its httpmw side (MaxConns sized to the children)
	// joins the rows as fcgiBaseline, in the same rounds, for a
	// before/after comparison that sees the same neighbours.
	fcgiBaselineEnv = "HTTPMW_BENCH_FCGI_BASELINE"
	fcgiBaseline    = "httpmw at baseline build"
)

// fcgiServer starts a web server in front of php-fpm at fpmAddr (with
// children workers) serving root, and returns its URL, its pids (for CPU
// time and peak RSS) and how to stop it.
type fcgiServer func(dir, root, fpmAddr string, children int) (url string, pids func() []int, stop func(), err error)

// fcgiLoadAll starts every side, each on its own php-fpm with children
// workers, warms them up, and measures them in turns.
func fcgiLoadAll(children int) (map[string]Figures, map[string]error) {
	names := []string{fcgiOurs, fcgiOursDefault, fcgiLean, fcgiNginx, fcgiGofast, fcgiCaddy}
	starts := map[string]fcgiServer{
		fcgiOurs: fcgiStartGo(fcgiOurs), fcgiOursDefault: fcgiStartGo(fcgiOursDefault),
		fcgiLean: fcgiStartGo(fcgiLean), fcgiGofast: fcgiStartGo(fcgiGofast),
		fcgiNginx: fcgiStartNginx, fcgiCaddy: fcgiStartCaddy,
	}
	errs := map[string]error{}
	if _, err := exec.LookPath("wrk"); err != nil {
		for _, n := range names {
			errs[n] = errors.New("wrk not installed (apt-get install wrk)")
		}
		return nil, errs
	}
	if bin := os.Getenv(fcgiBaselineEnv); bin != "" {
		names = append([]string{fcgiBaseline}, names...)
		starts[fcgiBaseline] = fcgiStartBinary(bin, fcgiOurs)
	}
	urls := map[string]string{}
	pids := map[string]func() []int{}
	for _, name := range names {
		url, p, stop, err := fcgiStartSide(starts[name], children)
		if err != nil {
			errs[name] = err
			continue
		}
		defer stop()
		urls[name], pids[name] = url, p
	}
	wrkWarm(urls, fcgiConns, errs)
	median := wrkTurns(names, urls, pids, fcgiConns, fcgiDuration, fcgiRounds, errs)
	for name := range median {
		var rss float64
		for _, pid := range pids[name]() {
			if kb, err := PeakRSS(pid); err == nil {
				rss += kb
			}
		}
		median[name]["peak RSS KiB"] = rss
	}
	return median, errs
}

// fcgiStartSide makes a temp dir with the script, starts php-fpm and the
// front, and returns the script's URL.
func fcgiStartSide(start fcgiServer, children int) (string, func() []int, func(), error) {
	dir, err := os.MkdirTemp("", "httpmw-bench-fcgi-")
	if err != nil {
		return "", nil, nil, err
	}
	cleanup := []func(){func() { os.RemoveAll(dir) }}
	stop := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		stop()
		return "", nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "hello.php"), []byte(`<?php echo "Hello World\n";`), 0o644); err != nil {
		stop()
		return "", nil, nil, err
	}
	fpmAddr, stopFPM, err := fcgiStartFPM(dir, children)
	if err != nil {
		stop()
		return "", nil, nil, err
	}
	cleanup = append(cleanup, stopFPM)
	url, pids, stopFront, err := start(dir, root, fpmAddr, children)
	if err != nil {
		stop()
		return "", nil, nil, err
	}
	cleanup = append(cleanup, stopFront)
	return url + "/hello.php", pids, stop, nil
}

// fcgiStartFPM starts php-fpm (pm static, children workers) on a free
// loopback port and waits until it accepts.
func fcgiStartFPM(dir string, children int) (addr string, stop func(), err error) {
	bin, err := exec.LookPath("php-fpm8.2")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/php-fpm8.2"); err != nil {
			if bin, err = exec.LookPath("php-fpm"); err != nil {
				return "", nil, errors.New("php-fpm not installed")
			}
		}
	}
	addr, err = freeAddr()
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, "fpm.conf")
	err = os.WriteFile(conf, []byte(fmt.Sprintf(`[global]
pid = %[1]s/fpm.pid
error_log = %[1]s/fpm.log
daemonize = no
[bench]
listen = %[2]s
listen.backlog = 1024
pm = static
pm.max_children = %[3]d
`, dir, addr, children)), 0o644)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-n", "-R", "-y", conf)
	stop, err = startProcess(cmd)
	if err != nil {
		return "", nil, err
	}
	if err := waitDial(addr); err != nil {
		stop()
		return "", nil, fmt.Errorf("php-fpm: %w", err)
	}
	return addr, stop, nil
}

// fcgiStartNginx runs nginx, one worker, in the foreground with fastcgi_pass
// to php-fpm over kept-alive connections, the usual production setup.
// php-fpm ties a worker to each kept-alive connection, so keepalive is the
// number of children: one connection each, as MaxConns for ours.
func fcgiStartNginx(dir, root, fpmAddr string, children int) (string, func() []int, func(), error) {
	bin, err := nginxBinary()
	if err != nil {
		return "", nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	err = os.WriteFile(conf, []byte(fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	fastcgi_temp_path %[1]s/fastcgi;
	proxy_temp_path %[1]s/proxy;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	upstream php { server %[2]s; keepalive %[5]d; }
	server {
		listen %[3]s;
		root %[4]s;
		location ~ [^/]\.php(/|$) {
			fastcgi_split_path_info ^(.+?\.php)(/.*)$;
			fastcgi_pass php;
			fastcgi_keep_conn on;
			fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
			fastcgi_param SCRIPT_NAME $fastcgi_script_name;
			fastcgi_param PATH_INFO $fastcgi_path_info;
			fastcgi_param QUERY_STRING $query_string;
			fastcgi_param REQUEST_METHOD $request_method;
			fastcgi_param CONTENT_TYPE $content_type;
			fastcgi_param CONTENT_LENGTH $content_length;
			fastcgi_param REQUEST_URI $request_uri;
			fastcgi_param DOCUMENT_URI $document_uri;
			fastcgi_param DOCUMENT_ROOT $document_root;
			fastcgi_param SERVER_PROTOCOL $server_protocol;
			fastcgi_param GATEWAY_INTERFACE CGI/1.1;
			fastcgi_param SERVER_SOFTWARE nginx;
			fastcgi_param REMOTE_ADDR $remote_addr;
			fastcgi_param REMOTE_PORT $remote_port;
			fastcgi_param SERVER_ADDR $server_addr;
			fastcgi_param SERVER_PORT $server_port;
			fastcgi_param SERVER_NAME $server_name;
			fastcgi_param REDIRECT_STATUS 200;
		}
	}
}
`, dir, fpmAddr, addr, root, children)), 0o644)
	if err != nil {
		return "", nil, nil, err
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "nginx-error.log"), "-c", conf)
	stop, err := startProcess(cmd)
	if err != nil {
		return "", nil, nil, err
	}
	if err := waitDial(addr); err != nil {
		stop()
		return "", nil, nil, fmt.Errorf("nginx: %w", err)
	}
	pids := func() []int { return append([]int{cmd.Process.Pid}, fcgiChildPids(cmd.Process.Pid)...) }
	return "http://" + addr, pids, stop, nil
}

// fcgiStartCaddy runs Caddy 2's php_fastcgi, its own preset for PHP.
func fcgiStartCaddy(dir, root, fpmAddr string, _ int) (string, func() []int, func(), error) {
	addr, pid, stop, err := startCaddy(dir, fmt.Sprintf("\troot * %s\n\tphp_fastcgi %s", root, fpmAddr))
	if err != nil {
		return "", nil, nil, err
	}
	return "http://" + addr, func() []int { return []int{pid} }, stop, nil
}

// fcgiStartGo re-runs this binary as a server for one of the Go sides; the
// child prints its address and serves until its stdin closes, so it cannot
// outlive the bench.
func fcgiStartGo(side string) fcgiServer {
	self, err := os.Executable()
	if err != nil {
		return func(string, string, string, int) (string, func() []int, func(), error) {
			return "", nil, nil, err
		}
	}
	return fcgiStartBinary(self, side)
}

// fcgiStartBinary is fcgiStartGo with bin, this bench or an older build of
// it, as the child.
func fcgiStartBinary(bin, side string) fcgiServer {
	return func(dir, root, fpmAddr string, children int) (string, func() []int, func(), error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), fcgiServeEnv+"="+side, fcgiFPMEnv+"="+fpmAddr, fcgiRootEnv+"="+root,
			fcgiChildrenEnv+"="+strconv.Itoa(children))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return "", nil, nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return "", nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			return "", nil, nil, err
		}
		stop := func() { stdin.Close(); cmd.Wait() }
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			stop()
			return "", nil, nil, fmt.Errorf("%s server: %w", side, err)
		}
		return strings.TrimSpace(line), func() []int { return []int{cmd.Process.Pid} }, stop, nil
	}
}

// fcgiServe is the child's side of fcgiStartGo.
func fcgiServe(side string) {
	fpmAddr, root := os.Getenv(fcgiFPMEnv), os.Getenv(fcgiRootEnv)
	children, _ := strconv.Atoi(os.Getenv(fcgiChildrenEnv))
	var h http.Handler
	switch side {
	case fcgiOurs, fcgiOursDefault:
		cfg := fcgi.PHP(root, fpmAddr)
		if side == fcgiOurs {
			cfg.MaxConns = children // one connection per php-fpm child
		}
		f, err := fcgi.New(cfg)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		h = httpmw.ToHTTP(f)
	case fcgiLean:
		h = newLeanFCGI(root, fpmAddr, children)
	case fcgiGofast:
		h = gofast.NewHandler(
			gofast.NewPHPFS(root)(gofast.BasicSession),
			gofast.SimpleClientFactory(gofast.SimpleConnFactory("tcp", fpmAddr)),
		)
	default:
		fatal(fmt.Errorf("unknown side %q", side))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer startProfile()()
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	fmt.Println("http://" + ln.Addr().String())
	io.Copy(io.Discard, os.Stdin) // until the parent closes it, or dies
	srv.Close()
}

// fcgiChildPids lists pid's children (nginx's workers).
func fcgiChildPids(pid int) []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}
