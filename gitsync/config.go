package gitsync

import (
	"cmp"
	"errors"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Config describes one repository to keep deployed. Only URL and Dest are
// required; every other zero value is a working default.
type Config struct {
	// URL of the repository: https://, http://, ssh:// (or scp-like
	// user@host:path), git:// or file:// (or a local path).
	URL string

	// Branch to track. Empty means the remote's default branch: the
	// branch its HEAD names, asked at each sync, so a webhook push to
	// another branch is ignored (200) and one to it deploys (202).
	Branch string
	// Tag pins one tag instead of a branch.
	Tag string
	// NewestTag tracks the highest tag by version order (v1.10.0 after
	// v1.9.2; tags that are not versions sort by name, before versions).
	NewestTag bool

	// Dest is the folder gitsync owns: the git store lives in Dest/.git,
	// each revision in Dest/.worktrees, and Dest/<Link> is the symlink to
	// serve. It must be absent, empty, or a gitsync folder for the same URL.
	Dest string
	// Link is the name of the symlink inside Dest that points at the
	// current revision. Empty means "current".
	Link string

	// Depth is how many commits the first fetch brings. 0 means 1
	// (shallow); a negative value fetches the whole history. Later fetches
	// bring only the commits that are new since the deployed one.
	Depth int

	// Interval between polls. 0 means one hour; a negative value turns
	// polling off, leaving Sync and the webhook as the only triggers.
	Interval time.Duration

	// RetryMin and RetryMax bound the backoff after a failed sync: the wait
	// starts at RetryMin (0 means 1s) and doubles up to RetryMax (0 means
	// 5m, or Interval when that is shorter, but never below RetryMin).
	RetryMin, RetryMax time.Duration

	// Then is a command and its arguments, run for each new revision
	// before it goes live: its working directory is the new revision's
	// folder, GITSYNC_HASH is set to the new commit, and its output is
	// logged. The link switches to the folder only when Then exits with
	// status 0, so what Then builds there goes live with the revision.
	// When it fails or times out, the last good revision stays served and
	// the sync counts as failed: it is retried on the backoff (RetryMin,
	// RetryMax). Empty means no command.
	//
	// Then may change the folder's files in place: with Then set, gitsync
	// writes each revision's files afresh instead of hard-linking the
	// unchanged ones from the live folder.
	Then []string
	// ThenTimeout bounds one run of Then. 0 means one minute.
	ThenTimeout time.Duration

	// Auth holds credentials for the remote. The zero value is anonymous,
	// with strict host key checking for ssh.
	Auth Auth

	// OnSync is called after every sync attempt (polled, triggered or from
	// Sync) with the status it left and its error, on the goroutine that
	// ran it; the next sync waits for it to return. nil means no call.
	OnSync func(Status, error)

	// Logger receives sync results and the output of Then. nil means
	// slog.Default().
	Logger *slog.Logger
}

// Auth holds credentials. Files are read at each sync, so a rotated token or
// key is picked up without a restart.
type Auth struct {
	// Username for https, and the ssh user when the URL names none.
	// Empty means "git".
	Username string
	// Password (or access token) for https; PasswordFile, when set, is read
	// at each sync instead, trailing newline removed.
	Password     string
	PasswordFile string

	// SSHKeyFile is a private key for ssh URLs, with SSHKeyPassphrase when
	// it is encrypted. Empty means the ssh agent (SSH_AUTH_SOCK).
	SSHKeyFile       string
	SSHKeyPassphrase string
	// KnownHostsFile lists the trusted host keys. Empty means
	// ~/.ssh/known_hosts (and the SSH_KNOWN_HOSTS variable when set).
	KnownHostsFile string
	// InsecureIgnoreHostKey turns host key checking off. It exists for
	// throwaway test setups; anyone on the path can then serve any code.
	InsecureIgnoreHostKey bool
}

// Errors callers can tell apart with errors.Is.
var (
	// ErrDestNotEmpty: Dest holds files and is not a gitsync folder.
	ErrDestNotEmpty = errors.New("gitsync: destination is a non-empty folder that is not a git repository")
	// ErrOtherOrigin: Dest is a repository cloned from another URL.
	ErrOtherOrigin = errors.New("gitsync: destination is a checkout of another origin")
	// ErrRefNotFound: the tracked branch or tag does not exist on the remote.
	ErrRefNotFound = errors.New("gitsync: ref not found on the remote")
	// ErrClosed: the Syncer was closed.
	ErrClosed = errors.New("gitsync: closed")
	// ErrThen: the Then command failed (wrapped with its exit status).
	ErrThen = errors.New("gitsync: then command failed")
)

const (
	defaultLink        = "current"
	defaultInterval    = time.Hour
	defaultRetryMin    = time.Second
	defaultRetryMax    = 5 * time.Minute
	defaultThenTimeout = time.Minute
)

// validate checks every field without touching the system; the error
// names the first bad one.
func (c Config) validate() error {
	if c.URL == "" {
		return configError("URL", "required")
	}
	if strings.ContainsAny(c.URL, "\n\r\x00") {
		return configError("URL", "contains a control character")
	}
	if c.Dest == "" {
		return configError("Dest", "required")
	}
	if _, err := filepath.Abs(c.Dest); err != nil {
		return configError("Dest", "%v", err)
	}
	n := 0
	for _, set := range []bool{c.Branch != "", c.Tag != "", c.NewestTag} {
		if set {
			n++
		}
	}
	if n > 1 {
		return configError("Branch", "Branch, Tag and NewestTag are exclusive; set one")
	}
	for field, ref := range map[string]string{"Branch": c.Branch, "Tag": c.Tag} {
		if ref != "" && !validRefName(ref) {
			return configError(field, "%q is not a valid ref name", ref)
		}
	}
	if link := cmp.Or(c.Link, defaultLink); link != filepath.Base(link) || link == "." || link == ".." || strings.HasPrefix(link, ".") {
		return configError("Link", "must be a plain file name not starting with a dot, got %q", c.Link)
	}
	if c.RetryMin < 0 {
		return configError("RetryMin", "must not be negative, got %v", c.RetryMin)
	}
	if c.RetryMax < 0 {
		return configError("RetryMax", "must not be negative, got %v", c.RetryMax)
	}
	if retryMin := cmp.Or(c.RetryMin, defaultRetryMin); c.RetryMax != 0 && c.RetryMax < retryMin {
		return configError("RetryMax", "must be at least RetryMin (%v), got %v", retryMin, c.RetryMax)
	}
	if len(c.Then) > 0 && c.Then[0] == "" {
		return configError("Then", "the command (first element) is empty")
	}
	if c.ThenTimeout < 0 {
		return configError("ThenTimeout", "must not be negative, got %v", c.ThenTimeout)
	}
	if c.Auth.SSHKeyFile == "" && c.Auth.SSHKeyPassphrase != "" {
		return configError("Auth.SSHKeyPassphrase", "set without Config.Auth.SSHKeyFile")
	}
	if c.Auth.Password != "" && c.Auth.PasswordFile != "" {
		return configError("Auth.PasswordFile", "set together with Config.Auth.Password; set one")
	}
	return nil
}

func configError(field, format string, args ...any) error {
	return cfgerr.New("gitsync", "Config."+field, format, args...)
}

// withDefaults returns a valid c with its zero fields resolved.
func (c Config) withDefaults() Config {
	c.Dest, _ = filepath.Abs(c.Dest)
	c.Link = cmp.Or(c.Link, defaultLink)
	if c.Depth == 0 {
		c.Depth = 1
	} else if c.Depth < 0 {
		c.Depth = 0 // go-git: 0 is the full history
	}
	c.Interval = cmp.Or(c.Interval, defaultInterval)
	c.RetryMin = cmp.Or(c.RetryMin, defaultRetryMin)
	if c.RetryMax == 0 {
		c.RetryMax = defaultRetryMax
		if c.Interval > 0 && c.Interval < c.RetryMax {
			c.RetryMax = c.Interval
		}
		c.RetryMax = max(c.RetryMax, c.RetryMin)
	}
	c.ThenTimeout = cmp.Or(c.ThenTimeout, defaultThenTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validRefName is a conservative subset of git check-ref-format: enough to
// keep a ref name from escaping refs/ or smuggling a refspec.
func validRefName(s string) bool {
	if s == "" || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") ||
		strings.HasPrefix(s, "-") || strings.HasSuffix(s, ".lock") || strings.HasSuffix(s, ".") {
		return false
	}
	if strings.Contains(s, "..") || strings.Contains(s, "//") || strings.Contains(s, "@{") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for _, part := range strings.Split(s, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// redactURL hides a password embedded in a URL, for logs and status.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactURLs hides the password of rawURL wherever text repeats the URL.
func redactURLs(text, rawURL string) string {
	if r := redactURL(rawURL); r != rawURL {
		text = strings.ReplaceAll(text, rawURL, r)
	}
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			text = strings.ReplaceAll(text, p, "xxxxx")
		}
	}
	return text
}
