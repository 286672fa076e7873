package dotnet

import "reflect"

// StringComparer is System.StringComparer: a string comparison that
// dictionaries, sets and sorting can take (StringComparer.OrdinalIgnoreCase).
type StringComparer struct {
	Comparison StringComparison
}

// StringComparerT is System.StringComparer; its values are *StringComparer.
var StringComparerT = Register(NewType("StringComparer", "System.StringComparer", nil, reflect.TypeOf((*StringComparer)(nil))))

// The comparers StringComparer's static properties return.
var (
	StringComparerOrdinal                    = &StringComparer{StringComparisonOrdinal}
	StringComparerOrdinalIgnoreCase          = &StringComparer{StringComparisonOrdinalIgnoreCase}
	StringComparerInvariantCulture           = &StringComparer{StringComparisonInvariantCulture}
	StringComparerInvariantCultureIgnoreCase = &StringComparer{StringComparisonInvariantCultureIgnoreCase}
	StringComparerCurrentCulture             = &StringComparer{StringComparisonCurrentCulture}
	StringComparerCurrentCultureIgnoreCase   = &StringComparer{StringComparisonCurrentCultureIgnoreCase}
)

// Compare orders two strings (null first) as the comparer does.
func (c *StringComparer) Compare(a, b any) int { return int(txNullCmp(a, b, c.Comparison)) }

// Equal reports whether two strings are equal under the comparer.
func (c *StringComparer) Equal(a, b any) bool { return txStrEquals(a, b, c.Comparison) }

// Key returns a string that is equal for exactly the strings the comparer
// considers equal, for use as a Go map key.
func (c *StringComparer) Key(s string) string {
	if c.Comparison.IgnoreCase() {
		return txFold(s)
	}
	return s
}

// String is the comparer's type name, as ToString() prints it.
func (c *StringComparer) String() string {
	if c.Comparison == StringComparisonOrdinal || c.Comparison == StringComparisonOrdinalIgnoreCase {
		return "System.OrdinalComparer"
	}
	return "System.CultureAwareComparer"
}

func init() {
	t := StringComparerT
	t.AddStaticProp(
		txConst("Ordinal", t, StringComparerOrdinal),
		txConst("OrdinalIgnoreCase", t, StringComparerOrdinalIgnoreCase),
		txConst("InvariantCulture", t, StringComparerInvariantCulture),
		txConst("InvariantCultureIgnoreCase", t, StringComparerInvariantCultureIgnoreCase),
		txConst("CurrentCulture", t, StringComparerCurrentCulture),
		txConst("CurrentCultureIgnoreCase", t, StringComparerCurrentCultureIgnoreCase),
	)
	t.AddStatic(txMethod("FromComparison", t, func(_ any, a []any) (any, error) {
		c := StringComparison(txInt(a[0]))
		if c < 0 || c > StringComparisonOrdinalIgnoreCase {
			return nil, txArgument("comparisonType", "The string comparison type passed in is currently not supported.")
		}
		return &StringComparer{c}, nil
	}, StringComparisonT))
	recv := func(r any) *StringComparer {
		if c, ok := r.(*StringComparer); ok && c != nil {
			return c
		}
		return StringComparerOrdinal
	}
	t.AddMethod(
		txMethod("Compare", Int32, func(r any, a []any) (any, error) { return int32(recv(r).Compare(a[0], a[1])), nil }, String, String),
		txMethod("Equals", Boolean, func(r any, a []any) (any, error) { return recv(r).Equal(a[0], a[1]), nil }, String, String),
		txMethod("GetHashCode", Int32, func(r any, a []any) (any, error) {
			if a[0] == nil {
				return nil, ArgumentNull("obj")
			}
			return txStrHash(recv(r).Key(txStr(a[0]))), nil
		}, String),
		txMethod("ToString", String, func(r any, _ []any) (any, error) { return recv(r).String(), nil }),
	)
}
