package policies

import "strings"

// CleanPath removes the dot segments of an escaped path (RFC 3986 §5.2.4)
// without ever climbing above its root, so a relative path joined to a
// base path stays under it. Segments that only decode to "." or ".."
// ("%2e", ".%2E") count as dot segments too, since a backend that decodes
// them would treat them so. A trailing slash is kept; a path without a
// leading slash stays without one.
func CleanPath(p string) string {
	if !strings.Contains(p, ".") && !strings.Contains(p, "%2e") && !strings.Contains(p, "%2E") {
		return p
	}
	rooted := strings.HasPrefix(p, "/")
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		switch DotSegment(s) {
		case 1:
			trailing = trailing || last
			continue
		case 2:
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = trailing || last
			continue
		}
		out = append(out, s)
	}
	res := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		res += "/"
	}
	if !rooted {
		res = res[1:]
	}
	return res
}

// DotSegment reports whether an escaped path segment is "." (1) or ".."
// (2), literally or percent-encoded; 0 for any other segment.
func DotSegment(s string) int {
	if len(s) == 0 || len(s) > 6 {
		return 0
	}
	d := strings.ReplaceAll(strings.ReplaceAll(s, "%2e", "."), "%2E", ".")
	switch d {
	case ".":
		return 1
	case "..":
		return 2
	}
	return 0
}
