package dotnet

import (
	"math"

	"github.com/shopspring/decimal"
)

// Sum, Average, Min and Max keep .NET's typed results: an int sum stays int
// (checked: overflow throws), a long sum long, a double sum double, a
// decimal sum decimal; Average of ints is double. Nulls (nullable elements)
// are skipped.

func init() {
	numRes := func(sel bool) func(*Type, []*Type) *Type {
		return func(r *Type, ts []*Type) *Type {
			if sel {
				return collTypeArg(ts, 0)
			}
			return ElemType(r)
		}
	}
	avgRes := func(sel bool) func(*Type, []*Type) *Type {
		return func(r *Type, ts []*Type) *Type {
			t := numRes(sel)(r, ts)
			nullable := t.Nullable
			if nullable {
				t = t.Arg(0)
			}
			switch t {
			case Single:
			case lqDecimalType():
				t = lqDecimalType()
			default:
				t = Double
			}
			if nullable {
				return NullableOf(t)
			}
			return t
		}
	}
	values := func(src any, a []any) ([]any, error) {
		var out []any
		i := 0
		err := Enumerate(src, func(x any) (bool, error) {
			if len(a) > 0 {
				y, err := lqCall(a[0], x, i)
				i++
				if err != nil {
					return false, err
				}
				x = y
			}
			out = append(out, x)
			return true, nil
		})
		return out, err
	}
	elemFor := func(src any, ts []*Type, sel bool) *Type {
		if sel {
			return lqHint(ts, 0)
		}
		return lqElemOrNil(src)
	}
	for _, sel := range []bool{false, true} {
		var params []Param
		if sel {
			params = []Param{collParam("selector", nil)}
		}
		regLinq("Sum", params, nil, numRes(sel), func(src any, ts []*Type, a []any) (any, error) {
			xs, err := values(src, a)
			if err != nil {
				return nil, err
			}
			return lqSum(xs, elemFor(src, ts, sel))
		})
		regLinq("Average", params, nil, avgRes(sel), func(src any, ts []*Type, a []any) (any, error) {
			xs, err := values(src, a)
			if err != nil {
				return nil, err
			}
			return lqAverage(xs, elemFor(src, ts, sel))
		})
		for _, max := range []bool{false, true} {
			name := "Min"
			if max {
				name = "Max"
			}
			regLinq(name, params, nil, numRes(sel), func(src any, ts []*Type, a []any) (any, error) {
				xs, err := values(src, a)
				if err != nil {
					return nil, err
				}
				return lqExtreme(xs, elemFor(src, ts, sel), max)
			})
		}
	}
	for _, max := range []bool{false, true} {
		name := "MinBy"
		if max {
			name = "MaxBy"
		}
		regLinq(name, []Param{collParam("keySelector", nil)}, nil, lqElemRes(lqIdent), func(src any, _ []*Type, a []any) (any, error) {
			xs, err := lqItems(src)
			if err != nil {
				return nil, err
			}
			var best, bestKey any
			found := false
			for _, x := range xs {
				k, err := lqCall(a[0], x, -1)
				if err != nil {
					return nil, err
				}
				if k == nil {
					continue
				}
				if !found {
					best, bestKey, found = x, k, true
					continue
				}
				c, err := Compare(k, bestKey)
				if err != nil {
					return nil, err
				}
				if (max && c > 0) || (!max && c < 0) {
					best, bestKey = x, k
				}
			}
			if !found {
				if len(xs) == 0 && lqIsValueElem(lqElemOrNil(src)) {
					return nil, lqErrNoElements()
				}
				return DefaultValue(lqElemOrNil(src)), nil
			}
			return best, nil
		})
	}
}

// lqDecimalType returns the registered System.Decimal type (defined elsewhere),
// or nil.
func lqDecimalType() *Type { return Lookup("System.Decimal") }

func lqIsValueElem(t *Type) bool { return t == nil || (t.ValueType && !t.Nullable) }

func collOverflow() error {
	return Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
}

func lqSum(xs []any, elem *Type) (any, error) {
	var (
		kind     any
		i32      int32
		i64      int64
		f64      float64
		dec      = decimal.Zero
		sawValue bool
	)
	for _, x := range xs {
		if x == nil {
			continue
		}
		if kind == nil {
			kind = x
		}
		sawValue = true
		switch v := x.(type) {
		case int32:
			r := int64(i32) + int64(v)
			if r > math.MaxInt32 || r < math.MinInt32 {
				return nil, collOverflow()
			}
			i32 = int32(r)
		case int64:
			r := i64 + v
			if (v > 0 && r < i64) || (v < 0 && r > i64) {
				return nil, collOverflow()
			}
			i64 = r
		case float64:
			f64 += v
		case float32:
			f64 += float64(v)
		case Decimal:
			dec = dec.Add(v.D)
		default:
			return nil, InvalidCast(TypeOf(x).FullName, "System.Double")
		}
	}
	if !sawValue {
		t := elem
		if t != nil && t.Nullable {
			t = t.Arg(0)
		}
		if z := DefaultValue(t); z != nil {
			return z, nil
		}
		return int32(0), nil
	}
	switch kind.(type) {
	case int32:
		return i32, nil
	case int64:
		return i64, nil
	case float32:
		return float32(f64), nil
	case Decimal:
		return Decimal{dec}, nil
	}
	return f64, nil
}

func lqAverage(xs []any, elem *Type) (any, error) {
	var (
		kind any
		n    int
		f    float64
		dec  = decimal.Zero
	)
	for _, x := range xs {
		if x == nil {
			continue
		}
		if kind == nil {
			kind = x
		}
		n++
		switch v := x.(type) {
		case int32:
			f += float64(v)
		case int64:
			f += float64(v)
		case float64:
			f += v
		case float32:
			f += float64(v)
		case Decimal:
			dec = dec.Add(v.D)
		default:
			return nil, InvalidCast(TypeOf(x).FullName, "System.Double")
		}
	}
	if n == 0 {
		if len(xs) > 0 || (elem != nil && elem.Nullable) {
			return nil, nil
		}
		return nil, lqErrNoElements()
	}
	switch kind.(type) {
	case float32:
		return float32(f / float64(n)), nil
	case Decimal:
		return Decimal{dec.Div(decimal.NewFromInt(int64(n)))}, nil
	}
	return f / float64(n), nil
}

func lqExtreme(xs []any, elem *Type, max bool) (any, error) {
	var best any
	found := false
	for _, x := range xs {
		if x == nil {
			continue
		}
		if !found {
			best, found = x, true
			continue
		}
		c, err := Compare(x, best)
		if err != nil {
			return nil, err
		}
		if (max && c > 0) || (!max && c < 0) {
			best = x
		}
	}
	if !found {
		// Value-type sequences throw when empty; reference and nullable
		// ones give null.
		if len(xs) == 0 && lqIsValueElem(elem) {
			return nil, lqErrNoElements()
		}
		return nil, nil
	}
	return best, nil
}
