package dotnet

// Array.Copy and Array.Resize, used by real policies to build byte arrays.
func init() {
	copyN := func(src any, si int, dst any, di, n int) error {
		sl, ok := ArrayLen(src)
		if !ok {
			return ArgumentNull("sourceArray")
		}
		dl, ok := ArrayLen(dst)
		if !ok {
			return ArgumentNull("destinationArray")
		}
		if n < 0 || si < 0 || di < 0 {
			return Throw("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'length')")
		}
		if si+n > sl || di+n > dl {
			return Throw("System.ArgumentException", "Destination array was not long enough. Check the destination index, length, and the array's lower bounds. (Parameter 'destinationArray')")
		}
		// copy through a buffer: source and destination may overlap
		buf := make([]any, n)
		for i := range buf {
			v, err := ArrayGet(src, si+i)
			if err != nil {
				return err
			}
			buf[i] = v
		}
		for i, v := range buf {
			if err := ArraySet(dst, di+i, v); err != nil {
				return err
			}
		}
		return nil
	}
	toInt := func(v any) (int, error) {
		n, err := ToInt32(v)
		return int(n), err
	}
	Array.AddStatic(
		&Method{Name: "Copy", Params: []Param{{Name: "sourceArray", Type: Array}, {Name: "destinationArray", Type: Array}, {Name: "length", Type: Int32}},
			Result: Void, Fn: func(_ any, a []any) (any, error) {
				n, err := toInt(a[2])
				if err != nil {
					return nil, err
				}
				return nil, copyN(a[0], 0, a[1], 0, n)
			}},
		&Method{Name: "Copy", Params: []Param{{Name: "sourceArray", Type: Array}, {Name: "sourceIndex", Type: Int32},
			{Name: "destinationArray", Type: Array}, {Name: "destinationIndex", Type: Int32}, {Name: "length", Type: Int32}},
			Result: Void, Fn: func(_ any, a []any) (any, error) {
				si, err := toInt(a[1])
				if err != nil {
					return nil, err
				}
				di, err := toInt(a[3])
				if err != nil {
					return nil, err
				}
				n, err := toInt(a[4])
				if err != nil {
					return nil, err
				}
				return nil, copyN(a[0], si, a[2], di, n)
			}},
	)
}
