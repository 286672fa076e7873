// Package sysnet holds the System.Net types of the .NET surface that live
// outside package dotnet: IPAddress and AddressFamily. It registers them in
// dotnet's registry from init; package expressions imports it for that.
package sysnet

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"github.com/policygate/policygate/expressions/dotnet"
)

// AddressFamily is System.Net.Sockets.AddressFamily (the two values an
// IPAddress has).
type AddressFamily int32

// AddressFamily values.
const (
	InterNetwork   AddressFamily = 2
	InterNetworkV6 AddressFamily = 23
)

func (f AddressFamily) String() string {
	switch f {
	case InterNetwork:
		return "InterNetwork"
	case InterNetworkV6:
		return "InterNetworkV6"
	}
	return strconv.Itoa(int(f))
}

// IPAddress is System.Net.IPAddress.
type IPAddress struct {
	Addr netip.Addr // 4 bytes for IPv4, 16 for IPv6 (a zone is the numeric scope id)
}

func (a *IPAddress) String() string {
	if a.Addr.Is4() {
		return a.Addr.String()
	}
	s := a.Addr.WithZone("").String()
	if z := a.Addr.Zone(); z != "" {
		s += "%" + z
	}
	return s
}

// EqualsValue is IPAddress.Equals: the same family, bytes and scope.
func (a *IPAddress) EqualsValue(o any) bool {
	b, ok := o.(*IPAddress)
	return ok && a.Addr == b.Addr
}

// Types of this package.
var (
	AddressFamilyT = dotnet.Register(addressFamilyType())
	IPAddressT     = dotnet.Register(dotnet.NewType("IPAddress", "System.Net.IPAddress", nil, reflect.TypeOf((*IPAddress)(nil))))
)

func addressFamilyType() *dotnet.Type {
	t := dotnet.NewType("AddressFamily", "System.Net.Sockets.AddressFamily", nil, reflect.TypeOf(AddressFamily(0)))
	t.Enum, t.ValueType = true, true
	for _, f := range []AddressFamily{InterNetwork, InterNetworkV6} {
		f := f
		t.AddStaticProp(&dotnet.Prop{Name: f.String(), Type: t, Get: func(any) (any, error) { return f, nil }})
	}
	t.AddMethod(&dotnet.Method{Name: "ToString", Result: dotnet.String, Fn: func(r any, _ []any) (any, error) { return r.(AddressFamily).String(), nil }})
	return t
}

// ParseIP reads an address as IPAddress.Parse does: IPv6 text (a zone must be
// a number), or IPv4 in the inet_aton forms (1 to 4 parts, each decimal,
// octal with a leading 0 or hexadecimal with 0x; the last part fills the
// remaining bytes).
func ParseIP(s string) (netip.Addr, bool) {
	if strings.Contains(s, ":") {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		host, zone, hasZone := strings.Cut(s, "%")
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		if hasZone {
			if _, err := strconv.ParseUint(zone, 10, 32); err == nil {
				a = a.WithZone(zone)
			}
		}
		return a, true
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(digits, base, 64)
		if err != nil {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals {
		if i < len(vals)-1 {
			if v > 255 {
				return netip.Addr{}, false
			}
			n |= v << (8 * (3 - i))
			continue
		}
		if v >= 1<<(8*(4-i)) {
			return netip.Addr{}, false
		}
		n |= v
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return netip.AddrFrom4(b), true
}

func ipArg(v any) (*IPAddress, error) {
	a, ok := v.(*IPAddress)
	if !ok || a == nil {
		return nil, dotnet.ArgumentNull("address")
	}
	return a, nil
}

func ipParse(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, dotnet.ArgumentNull("ipString")
	}
	a, ok := ParseIP(s)
	if !ok {
		return nil, dotnet.FormatError("An invalid IP address was specified.")
	}
	return &IPAddress{Addr: a}, nil
}

func fixed(a netip.Addr) func(any) (any, error) {
	return func(any) (any, error) { return &IPAddress{Addr: a}, nil }
}

func init() {
	t := IPAddressT
	bytesT := dotnet.ArrayOf(dotnet.Byte)
	t.Ctors = []*dotnet.Method{
		{Name: ".ctor", Params: []dotnet.Param{{Name: "address", Type: bytesT}}, Result: t, Fn: func(_ any, a []any) (any, error) {
			b, ok := a[0].([]byte)
			if !ok {
				return nil, dotnet.ArgumentNull("address")
			}
			addr, ok := netip.AddrFromSlice(b)
			if !ok {
				return nil, dotnet.Throw("System.ArgumentException", "An invalid IP address was specified.")
			}
			return &IPAddress{Addr: addr}, nil
		}},
		{Name: ".ctor", Params: []dotnet.Param{{Name: "newAddress", Type: dotnet.Int64}}, Result: t, Fn: func(_ any, a []any) (any, error) {
			n, _ := a[0].(int64)
			if n < 0 || n > 0xFFFFFFFF {
				return nil, dotnet.OutOfRange("newAddress")
			}
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(n))
			return &IPAddress{Addr: netip.AddrFrom4(b)}, nil
		}},
	}
	t.AddStatic(
		&dotnet.Method{Name: "Parse", Params: []dotnet.Param{{Name: "ipString", Type: dotnet.String}}, Result: t, Fn: func(_ any, a []any) (any, error) { return ipParse(a[0]) }},
		&dotnet.Method{Name: "TryParse", Params: []dotnet.Param{{Name: "ipString", Type: dotnet.String}, {Name: "address", Type: t, Out: true}}, Result: dotnet.Boolean,
			Fn: func(_ any, a []any) (any, error) {
				v, err := ipParse(a[0])
				if o, ok := a[1].(*any); ok && o != nil {
					*o = v
				}
				return err == nil, nil
			}},
		&dotnet.Method{Name: "IsLoopback", Params: []dotnet.Param{{Name: "address", Type: t}}, Result: dotnet.Boolean, Fn: func(_ any, a []any) (any, error) {
			ip, err := ipArg(a[0])
			if err != nil {
				return nil, err
			}
			// 127.0.0.0/8 or ::1 (an IPv4-mapped loopback is not).
			return ip.Addr.IsLoopback() && (ip.Addr.Is4() || ip.Addr.WithZone("") == netip.IPv6Loopback()), nil
		}},
	)
	t.AddStaticProp(
		&dotnet.Prop{Name: "Any", Type: t, Get: fixed(netip.IPv4Unspecified())},
		&dotnet.Prop{Name: "Loopback", Type: t, Get: fixed(netip.AddrFrom4([4]byte{127, 0, 0, 1}))},
		&dotnet.Prop{Name: "Broadcast", Type: t, Get: fixed(netip.AddrFrom4([4]byte{255, 255, 255, 255}))},
		&dotnet.Prop{Name: "None", Type: t, Get: fixed(netip.AddrFrom4([4]byte{255, 255, 255, 255}))},
		&dotnet.Prop{Name: "IPv6Any", Type: t, Get: fixed(netip.IPv6Unspecified())},
		&dotnet.Prop{Name: "IPv6None", Type: t, Get: fixed(netip.IPv6Unspecified())},
		&dotnet.Prop{Name: "IPv6Loopback", Type: t, Get: fixed(netip.IPv6Loopback())},
	)
	prop := func(name string, typ *dotnet.Type, f func(a netip.Addr) any) *dotnet.Prop {
		return &dotnet.Prop{Name: name, Type: typ, Get: func(r any) (any, error) { return f(r.(*IPAddress).Addr), nil }}
	}
	t.AddProp(
		prop("AddressFamily", AddressFamilyT, func(a netip.Addr) any {
			if a.Is4() {
				return InterNetwork
			}
			return InterNetworkV6
		}),
		prop("IsIPv4MappedToIPv6", dotnet.Boolean, func(a netip.Addr) any { return a.Is4In6() }),
		prop("IsIPv6LinkLocal", dotnet.Boolean, func(a netip.Addr) any { return a.Is6() && a.IsLinkLocalUnicast() }),
		prop("IsIPv6Multicast", dotnet.Boolean, func(a netip.Addr) any { return a.Is6() && a.IsMulticast() }),
		prop("IsIPv6SiteLocal", dotnet.Boolean, func(a netip.Addr) any {
			b := a.As16()
			return a.Is6() && b[0] == 0xfe && b[1]&0xc0 == 0xc0
		}),
		prop("ScopeId", dotnet.Int64, func(a netip.Addr) any {
			z, _ := strconv.ParseInt(a.Zone(), 10, 64)
			return z
		}),
	)
	method := func(name string, result *dotnet.Type, f func(a *IPAddress) any) *dotnet.Method {
		return &dotnet.Method{Name: name, Result: result, Fn: func(r any, _ []any) (any, error) { return f(r.(*IPAddress)), nil }}
	}
	t.AddMethod(
		method("ToString", dotnet.String, func(a *IPAddress) any { return a.String() }),
		method("GetAddressBytes", bytesT, func(a *IPAddress) any { return a.Addr.AsSlice() }),
		method("MapToIPv6", t, func(a *IPAddress) any {
			if a.Addr.Is6() {
				return a
			}
			return &IPAddress{Addr: netip.AddrFrom16(a.Addr.As16())}
		}),
		method("MapToIPv4", t, func(a *IPAddress) any {
			if a.Addr.Is4() {
				return a
			}
			b := a.Addr.As16()
			return &IPAddress{Addr: netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})}
		}),
		method("GetHashCode", dotnet.Int32, func(a *IPAddress) any {
			var h int32
			for _, c := range a.Addr.AsSlice() {
				h = h*31 + int32(c)
			}
			return h
		}),
		&dotnet.Method{Name: "Equals", Params: []dotnet.Param{{Name: "comparand"}}, Result: dotnet.Boolean, Fn: func(r any, a []any) (any, error) {
			return r.(*IPAddress).EqualsValue(a[0]), nil
		}},
	)
}
