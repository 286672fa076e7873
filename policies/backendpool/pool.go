package backendpool

import (
	"slices"
	"sync/atomic"
	"time"
)

// Member is one backend of a pool as configured: lower Priority values
// are tried first; Weight shares the calls within a priority group (0
// counts as 1, so a group without weights is round-robin).
type Member struct {
	ID       string
	Priority int
	Weight   int
}

// maxSchedule bounds the per-group weighted schedule.
const maxSchedule = 1000

// Pool picks the member of a Pool backend for each call: the first
// priority group with a member whose breaker is closed; within it, members
// in a smooth weighted round-robin order.
type Pool struct {
	members  []Member
	breakers []*Breaker
	groups   []*group
}

type group struct {
	schedule []int // member indexes in weighted order
	next     atomic.Uint64
}

// NewPool builds a pool over members; breakers[i] is the breaker of
// members[i] (nil: none).
func NewPool(members []Member, breakers []*Breaker) *Pool {
	p := &Pool{members: slices.Clone(members), breakers: slices.Clone(breakers)}
	for len(p.breakers) < len(p.members) {
		p.breakers = append(p.breakers, nil)
	}
	var prios []int
	for _, m := range members {
		if !slices.Contains(prios, m.Priority) {
			prios = append(prios, m.Priority)
		}
	}
	slices.Sort(prios)
	for _, pr := range prios {
		var idx, w []int
		for i, m := range members {
			if m.Priority == pr {
				idx = append(idx, i)
				w = append(w, max(m.Weight, 1))
			}
		}
		p.groups = append(p.groups, &group{schedule: schedule(idx, w)})
	}
	return p
}

// schedule orders idx by smooth weighted round-robin over one cycle
// (weights reduced by their gcd, and scaled down when the cycle would be
// longer than maxSchedule).
func schedule(idx, w []int) []int {
	g, sum := 0, 0
	for _, x := range w {
		g = gcd(g, x)
	}
	for i := range w {
		w[i] /= g
		sum += w[i]
	}
	if sum > maxSchedule {
		s := 0
		for i := range w {
			w[i] = max(w[i]*maxSchedule/sum, 1)
			s += w[i]
		}
		sum = s
	}
	cur := make([]int, len(w))
	out := make([]int, 0, sum)
	for range sum {
		best := 0
		for i := range w {
			cur[i] += w[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= sum
		out = append(out, idx[best])
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Members returns the configured members.
func (p *Pool) Members() []Member { return p.members }

// Pick returns the index of the member that takes the next call, or false
// when every member's breaker is open at now.
func (p *Pool) Pick(now time.Time) (int, bool) {
	for _, g := range p.groups {
		n := len(g.schedule)
		start := int(g.next.Add(1)-1) % n
		for k := range n {
			i := g.schedule[(start+k)%n]
			if p.breakers[i].Allow(now) {
				return i, true
			}
		}
	}
	return -1, false
}

// Peek returns the member Pick would most likely return, without moving
// the round-robin on (for context.Request.Url before the call is sent).
func (p *Pool) Peek(now time.Time) (int, bool) {
	for _, g := range p.groups {
		n := len(g.schedule)
		start := int(g.next.Load()) % n
		for k := range n {
			i := g.schedule[(start+k)%n]
			if p.breakers[i].Allow(now) {
				return i, true
			}
		}
	}
	return -1, false
}

// ReopensAt is when the first open member breaker closes (zero when one
// is closed at now).
func (p *Pool) ReopensAt(now time.Time) time.Time {
	var first time.Time
	for _, b := range p.breakers {
		u := b.OpenUntil(now)
		if u.IsZero() {
			return time.Time{}
		}
		if first.IsZero() || u.Before(first) {
			first = u
		}
	}
	return first
}
