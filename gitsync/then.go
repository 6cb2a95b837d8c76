package gitsync

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// maxThenOutput caps the output of Then kept for the log; a chatty build
// must not hold megabytes in memory.
const maxThenOutput = 64 << 10

// runThen runs cfg.Then in dir for revision hash and logs its output.
func runThen(ctx context.Context, cfg Config, dir, hash string) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.ThenTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Then[0], cfg.Then[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GITSYNC_HASH="+hash)
	out := &cappedBuffer{max: maxThenOutput}
	cmd.Stdout, cmd.Stderr = out, out
	// A killed command's children may keep the output pipe open; stop
	// waiting for them shortly after the kill.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	attrs := []any{"cmd", cfg.Then, "hash", hash, "duration", time.Since(start), "output", out.String()}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", cfg.ThenTimeout)
		}
		cfg.Logger.Error("gitsync: then failed", append(attrs, "err", err)...)
		return fmt.Errorf("%w: %v", ErrThen, err)
	}
	cfg.Logger.Info("gitsync: then done", attrs...)
	return nil
}

// cappedBuffer keeps the first max bytes written and counts the rest.
type cappedBuffer struct {
	mu      sync.Mutex // stdout and stderr are copied by two goroutines
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - b.buf.Len()
	if room < len(p) {
		b.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return fmt.Sprintf("%s\n[%d more bytes not shown]", b.buf.String(), b.dropped)
	}
	return b.buf.String()
}
