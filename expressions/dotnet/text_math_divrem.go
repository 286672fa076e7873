package dotnet

// Math.DivRem(a, b, out result): the quotient, truncated toward zero, and the
// remainder through the out parameter.
func init() {
	divrem := func(t *Type, wide bool) *Method {
		return &Method{Name: "DivRem", Result: t,
			Params: []Param{{Name: "a", Type: t}, {Name: "b", Type: t}, {Name: "result", Type: t, Out: true}},
			Fn: func(_ any, a []any) (any, error) {
				x, y := int64(txInt(a[0])), int64(txInt(a[1]))
				if y == 0 {
					return nil, txDivZero()
				}
				if !wide && x == -1<<31 && y == -1 {
					return nil, Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
				}
				if wide && x == -1<<63 && y == -1 {
					return nil, Throw("System.OverflowException", "Arithmetic operation resulted in an overflow.")
				}
				q, r := x/y, x%y
				if o, ok := a[2].(*any); ok && o != nil {
					if wide {
						*o = r
					} else {
						*o = int32(r)
					}
				}
				if wide {
					return q, nil
				}
				return int32(q), nil
			}}
	}
	MathT.AddStatic(divrem(Int32, false), divrem(Int64, true))
}
