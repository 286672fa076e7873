package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// maxExcerpt bounds the width of a quoted source line.
const maxExcerpt = 160

// sourceLines reads a file's lines for excerpts (nil when unreadable).
func sourceLines(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil || !utf8.Valid(data) {
		return nil
	}
	return strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
}

// writeExcerpt prints the source line of a problem and a caret under its
// column (1-based, in runes), keeping tabs so the caret lines up. Long lines
// are cut to a window around the column.
func writeExcerpt(w io.Writer, lines []string, line, col int) {
	if line < 1 || line > len(lines) || col < 1 {
		return
	}
	runes := []rune(lines[line-1])
	if col > len(runes)+1 {
		return
	}
	start := 0
	if col > maxExcerpt/2 {
		start = col - maxExcerpt/2
	}
	end := min(len(runes), start+maxExcerpt)
	text := runes[start:end]
	var pad strings.Builder
	for _, r := range runes[start : col-1] {
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	prefix := ""
	if start > 0 {
		prefix = "…"
		pad.Reset()
		pad.WriteString(strings.Repeat(" ", utf8.RuneCountInString(prefix)+col-1-start))
	}
	fmt.Fprintf(w, "    %s%s\n    %s^\n", prefix, string(text), pad.String())
}
