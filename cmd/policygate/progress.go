package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress shows "validating N/M files" on a terminal for long runs; on
// anything else (a pipe, a file, CI logs) it prints nothing.
type progress struct {
	w     io.Writer
	total int
	last  time.Time
	shown bool
}

// progressMin is the number of files below which no progress is shown.
const progressMin = 200

func newProgress(w io.Writer, total int) *progress {
	if total < progressMin || !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w, total: total}
}

func (p *progress) step(i int) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	fmt.Fprintf(p.w, "\rvalidating %d/%d files", i, p.total)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
