package parser

import "fmt"

// maxNesting bounds the nesting of brackets, strings and interpolation holes
// inside one expression, so hostile input cannot exhaust the stack.
const maxNesting = 500

// exprScanner finds the end of a policy expression ("@(...)" or "@{...}")
// with enough C# lexical knowledge to skip strings, characters and comments.
// In raw mode it reads XML source and treats the predefined entity
// references (&quot; &lt; &amp; ...) and character references as the
// characters they stand for, so both the lenient form APIM accepts
// (raw quotes and '<') and the escaped form scan alike.
type exprScanner struct {
	s   []byte
	raw bool
}

// scanError is a failed expression scan: what was missing and where the
// scanner gave up (a byte offset into the scanned text).
type scanError struct {
	msg string
	at  int
}

func (e *scanError) Error() string { return e.msg }

// at returns the character at i and how many bytes of s it occupies. In raw
// mode an entity or character reference reads as one character; references
// to non-ASCII characters read as 'x' since only ASCII matters lexically.
func (sc *exprScanner) at(i int) (byte, int) {
	c := sc.s[i]
	if c != '&' || !sc.raw {
		return c, 1
	}
	r, n, ok := entityAt(sc.s, i)
	if !ok {
		return c, 1
	}
	if r >= 0x80 {
		return 'x', n
	}
	return byte(r), n
}

// scan returns the offset just after the expression that starts with '@' at
// i. s[i+1] must be '(' or '{'.
func (sc *exprScanner) scan(i int) (int, *scanError) {
	open := sc.s[i+1]
	closer := byte(')')
	if open == '{' {
		closer = '}'
	}
	end, err := sc.code(i+2, closer, false, 1)
	if err != nil {
		return 0, err
	}
	return end, nil
}

func closerOf(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

// code scans C# code up to and including the closer, returning the offset
// after it. In a hole (an interpolation "{...}") a top-level ':' starts the
// format specification, which runs to the closing '}'.
func (sc *exprScanner) code(i int, closer byte, hole bool, depth int) (int, *scanError) {
	if depth > maxNesting {
		return 0, &scanError{"expression nested too deeply", i}
	}
	n := len(sc.s)
	for i < n {
		c, w := sc.at(i)
		switch c {
		case '(', '[', '{':
			j, err := sc.code(i+w, closerOf(c), false, depth+1)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case ')', ']', '}':
			if c != closer {
				return 0, &scanError{fmt.Sprintf("unexpected %q, expected %q", c, closer), i}
			}
			return i + w, nil
		case ':':
			if hole {
				for i < n {
					c, w := sc.at(i)
					i += w
					if c == '}' {
						return i, nil
					}
				}
				return 0, &scanError{"unterminated interpolation format", n}
			}
		case '"':
			j, err := sc.str(i+w, false, false, depth)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case '\'':
			j, err := sc.char(i + w)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case '@', '$':
			// @"...", $"...", $@"...", @$"..."
			j := i + w
			verbatim, interp := c == '@', c == '$'
			if j < n {
				d, dw := sc.at(j)
				if (d == '@' || d == '$') && d != c {
					verbatim, interp = true, true
					j += dw
				}
			}
			if j < n {
				if d, dw := sc.at(j); d == '"' {
					k, err := sc.str(j+dw, verbatim, interp, depth)
					if err != nil {
						return 0, err
					}
					i = k
					continue
				}
			}
		case '/':
			if i+w < n {
				d, dw := sc.at(i + w)
				if d == '/' {
					i += w + dw
					for i < n {
						c, w := sc.at(i)
						if c == '\n' {
							break
						}
						i += w
					}
					continue
				}
				if d == '*' {
					i += w + dw
					for {
						if i >= n {
							return 0, &scanError{"unterminated comment", n}
						}
						c, w := sc.at(i)
						i += w
						if c == '*' && i < n {
							if d, dw := sc.at(i); d == '/' {
								i += dw
								break
							}
						}
					}
					continue
				}
			}
		}
		i += w
	}
	return 0, &scanError{fmt.Sprintf("missing %q", closer), n}
}

// str scans a string literal body starting after the opening quote and
// returns the offset after the closing quote.
func (sc *exprScanner) str(i int, verbatim, interp bool, depth int) (int, *scanError) {
	n := len(sc.s)
	for i < n {
		c, w := sc.at(i)
		switch {
		case c == '\\' && !verbatim:
			i += w
			if i < n {
				_, w = sc.at(i)
				i += w
			}
			continue
		case c == '"':
			i += w
			if verbatim && i < n {
				if d, dw := sc.at(i); d == '"' {
					i += dw
					continue
				}
			}
			return i, nil
		case c == '{' && interp:
			i += w
			if i < n {
				if d, dw := sc.at(i); d == '{' {
					i += dw
					continue
				}
			}
			j, err := sc.code(i, '}', true, depth+1)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case c == '}' && interp:
			// "}}" is an escaped brace; a lone '}' is tolerated.
			i += w
			if i < n {
				if d, dw := sc.at(i); d == '}' {
					i += dw
				}
			}
			continue
		}
		i += w
	}
	return 0, &scanError{"unterminated string literal", n}
}

// char scans a character literal body starting after the opening quote.
func (sc *exprScanner) char(i int) (int, *scanError) {
	n := len(sc.s)
	for i < n {
		c, w := sc.at(i)
		i += w
		switch c {
		case '\\':
			if i < n {
				_, w = sc.at(i)
				i += w
			}
		case '\'':
			return i, nil
		case '\n':
			return 0, &scanError{"unterminated character literal", i - w}
		}
	}
	return 0, &scanError{"unterminated character literal", n}
}

// isExprStart reports whether s[i:] starts a policy expression.
func isExprStart(s []byte, i int) bool {
	return i+1 < len(s) && s[i] == '@' && (s[i+1] == '(' || s[i+1] == '{')
}
