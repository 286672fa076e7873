package dotnet

import "golang.org/x/text/unicode/norm"

// NormalizationForm is System.Text.NormalizationForm.
type NormalizationForm int32

// NormalizationForm values (their .NET numbers).
const (
	FormC  NormalizationForm = 1
	FormD  NormalizationForm = 2
	FormKC NormalizationForm = 5
	FormKD NormalizationForm = 6
)

var normalizationNames = []string{"", "FormC", "FormD", "", "", "FormKC", "FormKD"}

func (f NormalizationForm) String() string { return txEnumName(normalizationNames, int(f)) }

// NormalizationFormT is System.Text.NormalizationForm.
var NormalizationFormT = txEnumType("NormalizationForm", "System.Text.NormalizationForm", NormalizationForm(0), normalizationNames,
	func(i int) any { return NormalizationForm(i) })

func normForm(v any) (norm.Form, error) {
	switch f, _ := v.(NormalizationForm); f {
	case FormC:
		return norm.NFC, nil
	case FormD:
		return norm.NFD, nil
	case FormKC:
		return norm.NFKC, nil
	case FormKD:
		return norm.NFKD, nil
	}
	return 0, Throw("System.ArgumentException", "Invalid normalization form. (Parameter 'normalizationForm')")
}

// string.Normalize and IsNormalized through golang.org/x/text/unicode/norm
// (FormC when no form is given).
func init() {
	normalize := func(recv any, a []any) (any, error) {
		f := norm.NFC
		if len(a) > 0 {
			var err error
			if f, err = normForm(a[0]); err != nil {
				return nil, err
			}
		}
		return f.String(recv.(string)), nil
	}
	isNormalized := func(recv any, a []any) (any, error) {
		f := norm.NFC
		if len(a) > 0 {
			var err error
			if f, err = normForm(a[0]); err != nil {
				return nil, err
			}
		}
		return f.IsNormalString(recv.(string)), nil
	}
	formP := []Param{{Name: "normalizationForm", Type: NormalizationFormT}}
	String.AddMethod(
		&Method{Name: "Normalize", Result: String, Fn: normalize},
		&Method{Name: "Normalize", Params: formP, Result: String, Fn: normalize},
		&Method{Name: "IsNormalized", Result: Boolean, Fn: isNormalized},
		&Method{Name: "IsNormalized", Params: formP, Result: Boolean, Fn: isNormalized},
	)
}
