package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Load sends GET requests to url from conns keep-alive connections for d and
// reports req/s and latency percentiles. Any failed request or unexpected
// status makes the whole measurement an error: a fast wrong answer is no win.
func Load(url string, conns int, d time.Duration, header http.Header) (Figures, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	return LoadWith(&http.Client{Transport: tr}, url, conns, d, header)
}

// LoadWith is Load through a client of the caller's (a custom dialer, no
// keep-alive, ...); the caller closes its idle connections.
func LoadWith(client *http.Client, url string, conns int, d time.Duration, header http.Header) (Figures, error) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				err := get(client, url, header)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if len(latencies) == 0 {
		return nil, fmt.Errorf("no request completed in %v", d)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	return Figures{
		"req/s":  float64(len(latencies)) / d.Seconds(),
		"p50 µs": float64(latencies[len(latencies)/2].Microseconds()),
		"p99 µs": float64(latencies[len(latencies)*99/100].Microseconds()),
	}, nil
}

func get(client *http.Client, url string, header http.Header) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		return fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	return nil
}

// PeakRSS returns the peak resident set size of process pid in KiB, read
// from /proc (VmHWM), for peers that run as their own processes.
func PeakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for pid %d", pid)
}
