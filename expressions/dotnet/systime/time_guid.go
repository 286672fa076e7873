package systime

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// NewGuid returns a random version 4 Guid, as Guid.NewGuid does.
func NewGuid() dotnet.Guid {
	var g dotnet.Guid
	_, _ = rand.Read(g[:])
	g[6] = g[6]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g
}

// ParseGuid parses the "N", "D", "B", "P" and "X" forms, as Guid.Parse does.
func ParseGuid(s string) (dotnet.Guid, error) {
	if g, ok := tmParseGuid(strings.TrimSpace(s), ""); ok {
		return g, nil
	}
	return dotnet.Guid{}, dotnet.FormatError("Unrecognized Guid format.")
}

// tmParseGuid parses one form (f) or any form (f == "").
func tmParseGuid(s, f string) (dotnet.Guid, bool) {
	var g dotnet.Guid
	hexTo := func(dst []byte, src string) bool {
		if len(src) != 2*len(dst) || strings.ContainsAny(src, "+-") {
			return false
		}
		_, err := hex.Decode(dst, []byte(src))
		return err == nil
	}
	dashed := func(s string) bool {
		if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return false
		}
		return hexTo(g[:], s[0:8]+s[9:13]+s[14:18]+s[19:23]+s[24:36])
	}
	f = strings.ToUpper(f)
	switch {
	case (f == "" || f == "N") && len(s) == 32:
		return g, hexTo(g[:], s)
	case (f == "" || f == "D") && len(s) == 36:
		return g, dashed(s)
	case (f == "" || f == "B") && len(s) == 38 && s[0] == '{' && s[37] == '}':
		return g, dashed(s[1:37])
	case (f == "" || f == "P") && len(s) == 38 && s[0] == '(' && s[37] == ')':
		return g, dashed(s[1:37])
	case (f == "" || f == "X") && strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}}"):
		inner := strings.ReplaceAll(s[1:len(s)-2], "{", "")
		parts := strings.Split(inner, ",")
		if len(parts) != 11 {
			return g, false
		}
		widths := []int{4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1}
		off := 0
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if !strings.HasPrefix(p, "0x") && !strings.HasPrefix(p, "0X") {
				return g, false
			}
			p = p[2:]
			if len(p) == 0 || len(p) > 2*widths[i] {
				return g, false
			}
			p = strings.Repeat("0", 2*widths[i]-len(p)) + p
			if !hexTo(g[off:off+widths[i]], p) {
				return g, false
			}
			off += widths[i]
		}
		return g, true
	}
	return g, false
}

// tmGuidBytesOrder maps ToByteArray positions to "D"-order positions: .NET
// stores the first three fields little-endian.
var tmGuidBytesOrder = [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}

func tmGuid(v any) dotnet.Guid {
	if g, ok := v.(dotnet.Guid); ok {
		return g
	}
	return dotnet.Guid{}
}

func init() {
	t := dotnet.GuidT
	t.Ctors = append(t.Ctors,
		dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			s, ok := dotnet.StringArg(a[0])
			if !ok {
				return nil, dotnet.ArgumentNull("g")
			}
			return ParseGuid(s)
		}, "g", dotnet.String),
		dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
			b, err := dotnet.BytesArg(a[0], "b")
			if err != nil {
				return nil, err
			}
			if len(b) != 16 {
				return nil, dotnet.Throw("System.ArgumentException", "Byte array for Guid must be exactly 16 bytes long. (Parameter 'b')")
			}
			var g dotnet.Guid
			for i, p := range tmGuidBytesOrder {
				g[p] = b[i]
			}
			return g, nil
		}, "b", dotnet.ArrayOf(dotnet.Byte)),
	)
	t.AddStaticProp(dotnet.NewProp("Empty", t, func(any) (any, error) { return dotnet.Guid{}, nil }))
	parse := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("input")
		}
		return ParseGuid(s)
	}
	exact := func(_ any, a []any) (any, error) {
		s, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("input")
		}
		f, _ := dotnet.StringArg(a[1])
		if len(f) != 1 || !strings.Contains("NnDdBbPpXx", f) {
			return nil, dotnet.FormatError(`Format string can be only "D", "d", "N", "n", "P", "p", "B", "b", "X" or "x".`)
		}
		if g, ok := tmParseGuid(strings.TrimSpace(s), f); ok {
			return g, nil
		}
		return nil, dotnet.FormatError("Unrecognized Guid format.")
	}
	t.AddStatic(
		dotnet.NewMethod("NewGuid", t, func(any, []any) (any, error) { return NewGuid(), nil }),
		dotnet.NewMethod("Parse", t, parse, "input", dotnet.String),
		dotnet.NewMethod("Parse", t, parse, "input", dotnet.String, "provider", nil),
		dotnet.NewMethod("TryParse", dotnet.Boolean, func(_ any, a []any) (any, error) {
			s, ok := dotnet.StringArg(a[0])
			g, ok2 := tmParseGuid(strings.TrimSpace(s), "")
			if !ok2 {
				g = dotnet.Guid{}
			}
			dotnet.SetOut(a[1], g)
			return ok && ok2, nil
		}, "input", dotnet.String, "result", dotnet.OutParam("result", t)),
		dotnet.NewMethod("ParseExact", t, exact, "input", dotnet.String, "format", dotnet.String),
		dotnet.NewMethod("TryParseExact", dotnet.Boolean, func(_ any, a []any) (any, error) {
			v, err := exact(nil, a[:2])
			if err != nil {
				dotnet.SetOut(a[2], dotnet.Guid{})
				return false, nil
			}
			dotnet.SetOut(a[2], v)
			return true, nil
		}, "input", dotnet.String, "format", dotnet.String, "result", dotnet.OutParam("result", t)),
	)
	toStr := func(r any, a []any) (any, error) {
		f := ""
		if len(a) > 0 {
			f, _ = dotnet.StringArg(a[0])
		}
		return tmGuid(r).Format(f)
	}
	t.AddMethod(
		dotnet.NewMethod("ToString", dotnet.String, toStr),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String),
		dotnet.NewMethod("ToString", dotnet.String, toStr, "format", dotnet.String, "provider", nil),
		dotnet.NewMethod("ToByteArray", dotnet.ArrayOf(dotnet.Byte), func(r any, _ []any) (any, error) {
			g := tmGuid(r)
			out := make([]byte, 16)
			for i, p := range tmGuidBytesOrder {
				out[i] = g[p]
			}
			return out, nil
		}),
		dotnet.NewMethod("Equals", dotnet.Boolean, func(r any, a []any) (any, error) {
			g, ok := a[0].(dotnet.Guid)
			return ok && g == tmGuid(r), nil
		}, "o", nil),
		dotnet.NewMethod("CompareTo", dotnet.Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return int32(1), nil
			}
			g, ok := a[0].(dotnet.Guid)
			if !ok {
				return nil, dotnet.Throw("System.ArgumentException", "Object must be of type GUID. (Parameter 'value')")
			}
			a0 := tmGuid(r)
			return int32(bytes.Compare(a0[:], g[:])), nil
		}, "value", nil),
		dotnet.NewMethod("GetHashCode", dotnet.Int32, func(r any, _ []any) (any, error) {
			g := tmGuid(r)
			var h int32
			for i := 0; i < 16; i += 4 {
				h ^= int32(g[i])<<24 | int32(g[i+1])<<16 | int32(g[i+2])<<8 | int32(g[i+3])
			}
			return h, nil
		}),
	)
}
