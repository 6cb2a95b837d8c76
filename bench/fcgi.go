package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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

// fcgiComparisons sets fcgi against nginx's fastcgi_pass with keepalive and
// against plain gofast (SimpleClientFactory: one connection per request)
// and Caddy 2's php_fastcgi when a caddy binary is installed,
// all serving `<?php echo "Hello World\n";` from a php-fpm with 24 static
// children, at 16 and at 64 client connections.
//
// Every side gets its own php-fpm, started from the same config and
// stopped after, so no side inherits another's connections or workers. The
// servers run as their own processes, ours and gofast's by re-running this
// binary (see fcgiServeEnv), so that peak RSS is the server's alone and the
// load generator does not share its process.
func fcgiComparisons() []Comparison {
	var all []Comparison
	for _, conns := range []int{16, 64} {
		all = append(all, Comparison{
			Package: "fcgi", Case: fmt.Sprintf("php hello world, %d conns", conns),
			Ours: fcgiRun(fcgiStartGo("httpmw"), conns),
			Peers: []Peer{
				{"nginx fastcgi_pass keepalive", fcgiRun(fcgiStartNginx, conns)},
				{"plain gofast", fcgiRun(fcgiStartGo("gofast"), conns)},
				{"Caddy 2 php_fastcgi", fcgiRun(fcgiStartCaddy, conns)},
			},
		})
	}
	return all
}

const (
	fcgiChildren       = 24
	fcgiNginxKeepalive = 8
	fcgiServeEnv       = "HTTPMW_BENCH_FCGI_SERVE" // side to serve: "httpmw" or "gofast"
	fcgiFPMEnv         = "HTTPMW_BENCH_FCGI_FPM"   // php-fpm's address, for the child
	fcgiRootEnv        = "HTTPMW_BENCH_FCGI_ROOT"  // document root, for the child
)

// fcgiServer starts a web server in front of php-fpm at fpmAddr serving
// root, and returns its URL, its pid (for peak RSS) and how to stop it.
type fcgiServer func(dir, root, fpmAddr string) (url string, pids func() []int, stop func(), err error)

// fcgiRun starts php-fpm and a server, warms up, then measures.
func fcgiRun(start fcgiServer, conns int) Runner {
	return func() (Figures, error) {
		dir, err := os.MkdirTemp("", "httpmw-bench-fcgi-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		root := filepath.Join(dir, "root")
		if err := os.Mkdir(root, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(root, "hello.php"), []byte(`<?php echo "Hello World\n";`), 0o644); err != nil {
			return nil, err
		}
		fpmAddr, stopFPM, err := fcgiStartFPM(dir)
		if err != nil {
			return nil, err
		}
		defer stopFPM()
		url, pids, stop, err := start(dir, root, fpmAddr)
		if err != nil {
			return nil, err
		}
		defer stop()
		url += "/hello.php"
		if _, err := Load(url, conns, 500*time.Millisecond, nil); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		f, err := Load(url, conns, 4*time.Second, nil)
		if err != nil {
			return nil, err
		}
		var rss float64
		for _, pid := range pids() {
			kb, err := PeakRSS(pid)
			if err != nil {
				return nil, err
			}
			rss += kb
		}
		f["peak RSS KiB"] = rss
		return f, nil
	}
}

// fcgiStartFPM starts php-fpm (pm static, fcgiChildren workers) on a free
// loopback port and waits until it accepts.
func fcgiStartFPM(dir string) (addr string, stop func(), err error) {
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
`, dir, addr, fcgiChildren)), 0o644)
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

// fcgiStartNginx runs nginx in the foreground with fastcgi_pass to php-fpm
// over kept-alive connections, the usual production setup. keepalive is
// per worker, and php-fpm ties a worker to each kept-alive connection: with
// two nginx workers, 8 each keeps 16 of php-fpm's 24 busy at most, the
// same as our 16 clients. (With keepalive 16, nginx starved php-fpm at 64
// client connections and answered 504 after fastcgi_read_timeout.)
func fcgiStartNginx(dir, root, fpmAddr string) (string, func() []int, func(), error) {
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
worker_processes auto;
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
`, dir, fpmAddr, addr, root, fcgiNginxKeepalive)), 0o644)
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
func fcgiStartCaddy(dir, root, fpmAddr string) (string, func() []int, func(), error) {
	addr, pid, stop, err := startCaddy(dir, fmt.Sprintf("\troot * %s\n\tphp_fastcgi %s", root, fpmAddr))
	if err != nil {
		return "", nil, nil, err
	}
	return "http://" + addr, func() []int { return []int{pid} }, stop, nil
}

// fcgiStartGo re-runs this binary as a server for side ("httpmw" or
// "gofast"); the child prints its address and serves until its stdin
// closes, so it cannot outlive the bench.
func fcgiStartGo(side string) fcgiServer {
	return func(dir, root, fpmAddr string) (string, func() []int, func(), error) {
		self, err := os.Executable()
		if err != nil {
			return "", nil, nil, err
		}
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), fcgiServeEnv+"="+side, fcgiFPMEnv+"="+fpmAddr, fcgiRootEnv+"="+root)
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
	var h http.Handler
	switch side {
	case "httpmw":
		cfg := fcgi.PHP(root, fpmAddr)
		cfg.MaxConns = fcgiChildren
		f, err := fcgi.New(cfg)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		h = httpmw.ToHTTP(f)
	case "gofast":
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
	srv := &http.Server{Handler: h}
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
