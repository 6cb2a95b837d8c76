package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// caddyInstall says how to get the Caddy 2 peer, which is not in Debian.
const caddyInstall = "caddy not installed (go install github.com/caddyserver/caddy/v2/cmd/caddy@v2.11.9)"

// startCaddy runs Caddy 2 as its own process on a free loopback port, with
// site as the body of the one site block, and waits until it accepts. Its
// state (certificates, autosave) goes to dir, never to $HOME.
func startCaddy(dir, site string) (addr string, pid int, stop func(), err error) {
	bin, err := exec.LookPath("caddy")
	if err != nil {
		return "", 0, nil, errors.New(caddyInstall)
	}
	if addr, err = freeAddr(); err != nil {
		return "", 0, nil, err
	}
	conf := filepath.Join(dir, "Caddyfile")
	text := fmt.Sprintf("{\n\tadmin off\n\tpersist_config off\n\tauto_https off\n\tlog {\n\t\tlevel ERROR\n\t}\n}\nhttp://%s {\n%s\n}\n", addr, site)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", conf)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	if stop, err = startProcess(cmd); err != nil {
		return "", 0, nil, err
	}
	if err := waitDial(addr); err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("caddy: %w", err)
	}
	return addr, cmd.Process.Pid, stop, nil
}
