package expressions

import (
	"reflect"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/shopspring/decimal"
)

func decimalFromFloat(f float64) decimal.Decimal { return decimal.NewFromFloat(f) }
func decimalFromInt(i int64) decimal.Decimal     { return decimal.NewFromInt(i) }

func decimalFromString(s string) (dotnet.Decimal, error) {
	d, err := decimal.NewFromString(s)
	return dotnet.Decimal{D: d}, err
}

// enumInt returns the integer value of an enum value (a Go named integer
// type registered as a .NET enum).
func enumInt(v any) (int64, bool) {
	if v == nil {
		return 0, false
	}
	t := dotnet.TypeOf(v)
	if !t.Enum {
		return 0, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), true
	}
	return 0, false
}

// enumFrom makes a value of like's enum type holding n.
func enumFrom(like any, n int64) any {
	rv := reflect.New(reflect.TypeOf(like)).Elem()
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		rv.SetInt(n)
	default:
		rv.SetUint(uint64(n))
	}
	return rv.Interface()
}
