package logger

import (
	"os"
	"os/signal"
)

// signalWatcher calls a function each time a signal arrives, until stop.
type signalWatcher struct {
	ch   chan os.Signal
	quit chan struct{}
	done chan struct{}
}

func watchSignal(sig os.Signal, fn func()) *signalWatcher {
	w := &signalWatcher{ch: make(chan os.Signal, 1), quit: make(chan struct{}), done: make(chan struct{})}
	signal.Notify(w.ch, sig)
	go w.run(fn)
	return w
}

func (w *signalWatcher) run(fn func()) {
	defer close(w.done)
	for {
		select {
		case <-w.ch:
			fn()
		case <-w.quit:
			return
		}
	}
}

// stop stops delivery and waits for the goroutine to end.
func (w *signalWatcher) stop() {
	signal.Stop(w.ch)
	close(w.quit)
	<-w.done
}
