package testhttp

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// Curl runs the real curl with args (after -sS and a 30 s limit) and
// returns what it printed, line ends as "\n". A failing curl fails the
// test; a machine without curl skips it (CI installs curl).
func Curl(t testing.TB, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed; CI installs it")
	}
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "30"}, args...)...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("curl %v: exit %d: %s", args, exit.ExitCode(), exit.Stderr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}
