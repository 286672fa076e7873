package dotnet

// Convert.ToDateTime(string) parses as DateTime.Parse does (null is
// DateTime.MinValue); Convert.ToDateTime(DateTime) returns it.
func init() {
	DateTimeT := Lookup("System.DateTime")
	ConvertT.AddStatic(
		&Method{Name: "ToDateTime", Params: []Param{{Name: "value", Type: String}}, Result: DateTimeT, Fn: func(_ any, a []any) (any, error) {
			s, ok := a[0].(string)
			if !ok {
				return DateTime{}, nil
			}
			return ParseDateTime(s)
		}},
		&Method{Name: "ToDateTime", Params: []Param{{Name: "value", Type: DateTimeT}}, Result: DateTimeT, Fn: func(_ any, a []any) (any, error) {
			return a[0], nil
		}},
	)
}
