package policies

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/policygate/policygate/parser"
)

// ip-filter allows or forbids callers by IP address.
//
//	<ip-filter action="allow | forbid | @(expr)">
//	    <address>13.66.201.169 | 2001:db8::1 | @(expr)</address>            <!-- 0..n -->
//	    <address-range from="13.66.140.128" to="13.66.140.143" />          <!-- 0..n -->
//	</ip-filter>
//
// allow rejects a caller that matches no address or range; forbid rejects a
// caller that matches any. Ranges are inclusive; IPv4 and IPv6 both work,
// and an IPv4-mapped IPv6 caller (::ffff:10.0.0.1) matches IPv4 entries. An
// <address> may also be a CIDR prefix (an extension). Literal addresses are
// parsed at load time.
//
// The caller is context.Request.IpAddress (the connection's peer). Only when
// the peer is one of the proxies set with SetTrustedProxies is the address
// taken from X-Forwarded-For instead: the rightmost entry that is not itself
// a trusted proxy. Without trusted proxies X-Forwarded-For is ignored, so a
// client cannot choose its own address.
//
// Failures answer 403 {"statusCode": 403, "message": "Forbidden"} with the
// reasons FailedToParseCallerIP, CallerIpNotAllowed or CallerIpBlocked.
type ipFilter struct {
	action *Value
	// fixedAction is set when action is a literal; forbid is then its value.
	forbid, fixedAction bool
	entries             []ipEntry
}

// ipEntry is one address, prefix or range; literal entries are parsed once.
type ipEntry struct {
	addr, from, to *Value
	lit            bool
	lo, hi         netip.Addr
}

var _ Step = (*ipFilter)(nil)

// Reasons of ip-filter failures (spec policies.md §2.16).
const (
	ReasonFailedToParseCallerIP = "FailedToParseCallerIP"
	ReasonCallerIPNotAllowed    = "CallerIpNotAllowed"
	ReasonCallerIPBlocked       = "CallerIpBlocked"
)

// This init registers every policy of the auth2 files, not just ip-filter.
// Go runs a package's init functions in file-name order and Register needs
// the declarations that decl_auth.go and decl_crossdomain.go make in their
// init, so check_header.go, cors.go and authentication_*.go (named before
// "decl") cannot register themselves. Move each call back into its own file
// once declarations happen at package-variable initialization.
func init() { Register("ip-filter", compileIPFilter) }

func compileIPFilter(el *parser.Element, c *Compiler) (Step, error) {
	f := &ipFilter{action: c.Attr(el, "action", KindEnum)}
	if !f.action.Present {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<ip-filter> needs an action")
	} else if lit, ok := f.action.Literal(); ok && !hasUnknownNamedValue(lit) {
		forbid, err := parseIPAction(lit)
		if err != nil {
			c.Errorf(f.action.Pos(), parser.CodeBadAttribute, "%v", err)
		}
		f.forbid, f.fixedAction = forbid, true
	}
	for _, ch := range el.Children {
		var e ipEntry
		switch ch.Name {
		case "address":
			e.addr = c.Text(ch, KindString, false)
			if lit, ok := e.addr.Literal(); ok && !hasUnknownNamedValue(lit) {
				lo, hi, err := parseIPEntry(lit)
				if err != nil {
					c.Errorf(e.addr.Pos(), parser.CodeBadAttribute, "%v", err)
					continue
				}
				e.lit, e.lo, e.hi = true, lo, hi
			}
		case "address-range":
			e.from = c.Attr(ch, "from", KindString)
			e.to = c.Attr(ch, "to", KindString)
			if !e.from.Present || !e.to.Present {
				c.Errorf(ch.Pos, parser.CodeBadAttribute, "<address-range> needs from and to")
				continue
			}
			lf, okf := e.from.Literal()
			lt, okt := e.to.Literal()
			if okf && okt && !hasUnknownNamedValue(lf) && !hasUnknownNamedValue(lt) {
				lo, hi, err := parseIPRange(lf, lt)
				if err != nil {
					c.Errorf(ch.Pos, parser.CodeBadAttribute, "%v", err)
					continue
				}
				e.lit, e.lo, e.hi = true, lo, hi
			}
		default:
			continue
		}
		f.entries = append(f.entries, e)
	}
	if len(f.entries) == 0 && !hasIPChildren(el) {
		c.Errorf(el.Pos, parser.CodeBadAttribute, "<ip-filter> needs at least one <address> or <address-range>")
	}
	return f, nil
}

func hasIPChildren(el *parser.Element) bool {
	for _, ch := range el.Children {
		if ch.Name == "address" || ch.Name == "address-range" {
			return true
		}
	}
	return false
}

func parseIPAction(s string) (forbid bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return false, nil
	case "forbid":
		return true, nil
	}
	return false, fmt.Errorf("action %q is not allow or forbid", s)
}

// parseIPEntry reads an <address>: one address, or a CIDR prefix.
func parseIPEntry(s string) (lo, hi netip.Addr, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return lo, hi, fmt.Errorf("address %q is not an IP address or prefix", s)
		}
		p = p.Masked()
		lo = p.Addr().Unmap()
		return lo, lastOfPrefix(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return lo, hi, fmt.Errorf("address %q is not an IP address", s)
	}
	a = a.WithZone("").Unmap()
	return a, a, nil
}

// lastOfPrefix is the highest address of a masked prefix.
func lastOfPrefix(p netip.Prefix) netip.Addr {
	a := p.Addr().Unmap()
	bits := p.Bits()
	if p.Addr().Is4In6() {
		bits -= 96
	}
	b := a.AsSlice()
	for i := range b {
		left := bits - 8*i
		switch {
		case left >= 8:
		case left <= 0:
			b[i] = 0xff
		default:
			b[i] |= byte(0xff >> left)
		}
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

func parseIPRange(from, to string) (lo, hi netip.Addr, err error) {
	lo, err = netip.ParseAddr(strings.TrimSpace(from))
	if err != nil {
		return lo, hi, fmt.Errorf("address-range from %q is not an IP address", from)
	}
	hi, err = netip.ParseAddr(strings.TrimSpace(to))
	if err != nil {
		return lo, hi, fmt.Errorf("address-range to %q is not an IP address", to)
	}
	lo, hi = lo.WithZone("").Unmap(), hi.WithZone("").Unmap()
	if lo.BitLen() != hi.BitLen() {
		return lo, hi, fmt.Errorf("address-range %s to %s mixes IPv4 and IPv6", from, to)
	}
	if hi.Less(lo) {
		return lo, hi, fmt.Errorf("address-range from %s is above to %s", from, to)
	}
	return lo, hi, nil
}

// trustedProxies holds the prefixes whose X-Forwarded-For is believed.
var trustedProxies atomic.Pointer[[]netip.Prefix]

// SetTrustedProxies sets the proxies (addresses or CIDR prefixes) whose
// X-Forwarded-For header ip-filter believes; nil or empty trusts none, the
// default. It belongs on Env eventually; until then it is process-wide and
// safe to call while requests run.
func SetTrustedProxies(proxies []string) error {
	ps, err := ParseTrustedProxies(proxies)
	if err != nil {
		return err
	}
	trustedProxies.Store(&ps)
	return nil
}

// ParseTrustedProxies checks and normalizes a trusted-proxy list (addresses
// or CIDR prefixes).
func ParseTrustedProxies(proxies []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, s := range proxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			if err == nil {
				a = a.Unmap()
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or prefix", s)
		}
		ps = append(ps, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
	}
	return ps, nil
}

func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

func isTrustedProxy(a netip.Addr) bool {
	ps := trustedProxies.Load()
	if ps == nil {
		return false
	}
	for _, p := range *ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseCallerIP reads an address as the gateway records it: possibly with a
// port ("1.2.3.4:5", "[::1]:5") or a zone; IPv4-mapped IPv6 is unmapped.
func parseCallerIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// CallerIP returns the caller's address as ip-filter sees it: the
// connection's peer, or the X-Forwarded-For entry that a trusted proxy
// vouches for (see SetTrustedProxies). ok is false when no address can be
// parsed.
func CallerIP(r *Run) (netip.Addr, bool) {
	if r.Ctx.Request == nil {
		return netip.Addr{}, false
	}
	peer, ok := parseCallerIP(r.Ctx.Request.IPAddress)
	if !ok || !isTrustedProxy(peer) || r.Ctx.Request.Headers == nil {
		return peer, ok
	}
	lines, _ := r.Ctx.Request.Headers.Values("X-Forwarded-For")
	var hops []string
	for _, l := range lines {
		hops = append(hops, strings.Split(l, ",")...)
	}
	// Walk from the nearest hop outwards; the first address no trusted proxy
	// added is the client.
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseCallerIP(hops[i])
		if !ok {
			return netip.Addr{}, false
		}
		if !isTrustedProxy(a) {
			return a, true
		}
		peer = a
	}
	return peer, true
}

// Exec checks the caller's address.
func (f *ipFilter) Exec(r *Run) error {
	forbid := f.forbid
	if !f.fixedAction {
		s, err := f.action.String(r)
		if err != nil {
			return err
		}
		if forbid, err = parseIPAction(s); err != nil {
			return &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + err.Error(), Status: 500, Err: err}
		}
	}
	ip, ok := CallerIP(r)
	if !ok {
		return ipFilterError(ReasonFailedToParseCallerIP, "Failed to establish IP address for the caller. Access denied.")
	}
	in := false
	for i := range f.entries {
		lo, hi, err := f.entries[i].bounds(r)
		if err != nil {
			return err
		}
		if lo.BitLen() == ip.BitLen() && !ip.Less(lo) && !hi.Less(ip) {
			in = true
			break
		}
	}
	switch {
	case forbid && in:
		return ipFilterError(ReasonCallerIPBlocked, "Caller IP address is blocked. Access denied.")
	case !forbid && !in:
		return ipFilterError(ReasonCallerIPNotAllowed, "Caller IP address "+ip.String()+" is not allowed. Access denied.")
	}
	return nil
}

func ipFilterError(reason, msg string) error {
	return &Error{Source: "ip-filter", Reason: reason, Message: msg, Status: 403, Body: "Forbidden"}
}

// bounds returns the entry's range, evaluating expressions.
func (e *ipEntry) bounds(r *Run) (lo, hi netip.Addr, err error) {
	if e.lit {
		return e.lo, e.hi, nil
	}
	if e.addr != nil {
		s, err := e.addr.String(r)
		if err != nil {
			return lo, hi, err
		}
		lo, hi, err = parseIPEntry(s)
		if err != nil {
			return lo, hi, &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + err.Error(), Status: 500, Err: err}
		}
		return lo, hi, nil
	}
	from, err := e.from.String(r)
	if err != nil {
		return lo, hi, err
	}
	to, err := e.to.String(r)
	if err != nil {
		return lo, hi, err
	}
	lo, hi, err = parseIPRange(from, to)
	if err != nil {
		return lo, hi, &Error{Reason: ReasonExpression, Message: "Expression evaluation failed. " + err.Error(), Status: 500, Err: err}
	}
	return lo, hi, nil
}
