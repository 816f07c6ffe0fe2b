package server

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// BufferedWriter batches writes (access-log lines) and flushes them every interval or
// when the buffer fills, so that a busy server does not pay a write(2) per request. Lines
// written in the last interval before a crash can be lost; error logs do not go through
// it.
type BufferedWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewBufferedWriter starts flushing w every interval until Close.
func NewBufferedWriter(w io.Writer, interval time.Duration) *BufferedWriter {
	b := &BufferedWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				b.Flush()
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write implements io.Writer.
func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes out what is buffered.
func (b *BufferedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close flushes and stops the flusher.
func (b *BufferedWriter) Close() error {
	close(b.stop)
	<-b.done
	return nil
}
