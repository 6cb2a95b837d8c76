package gitsync

import (
	"cmp"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

const defaultUser = "git"

// authMethod builds the credentials for one sync, reading the files named in
// Auth afresh so rotated secrets apply without a restart.
func authMethod(cfg Config) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(cfg.URL)
	if err != nil {
		return nil, configError("URL", "%w", err)
	}
	a := cfg.Auth
	switch ep.Protocol {
	case "http", "https":
		password := a.Password
		if a.PasswordFile != "" {
			b, err := os.ReadFile(a.PasswordFile)
			if err != nil {
				return nil, configError("Auth.PasswordFile", "%w", err)
			}
			password = strings.TrimRight(string(b), "\r\n")
		}
		if password == "" && a.Username == "" {
			return nil, nil // anonymous, or credentials inside the URL
		}
		return &githttp.BasicAuth{Username: cmp.Or(a.Username, defaultUser), Password: password}, nil
	case "ssh":
		user := cmp.Or(ep.User, a.Username, defaultUser)
		var auth transport.AuthMethod
		var hk *gitssh.HostKeyCallbackHelper
		if a.SSHKeyFile != "" {
			k, err := gitssh.NewPublicKeysFromFile(user, a.SSHKeyFile, a.SSHKeyPassphrase)
			if err != nil {
				return nil, configError("Auth.SSHKeyFile", "%w", err)
			}
			auth, hk = k, &k.HostKeyCallbackHelper
		} else {
			k, err := gitssh.NewSSHAgentAuth(user)
			if err != nil {
				return nil, fmt.Errorf("gitsync: ssh agent (Auth.SSHKeyFile is empty): %w", err)
			}
			auth, hk = k, &k.HostKeyCallbackHelper
		}
		if a.InsecureIgnoreHostKey {
			hk.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		} else {
			var files []string
			if a.KnownHostsFile != "" {
				files = []string{a.KnownHostsFile}
			}
			cb, err := gitssh.NewKnownHostsCallback(files...)
			if err != nil {
				return nil, configError("Auth.KnownHostsFile", "%w", err)
			}
			hk.HostKeyCallback = cb
		}
		return auth, nil
	default:
		return nil, nil
	}
}
