package cryptography

import (
	"github.com/policygate/policygate/expressions/dotnet"
)

func init() {
	bytesT := dotnet.ArrayOf(dotnet.Byte)
	in := dotnet.Param{Name: "input", Type: bytesT}
	byName := []dotnet.Param{in, {Name: "alg", Type: dotnet.String}, {Name: "key", Type: bytesT}, {Name: "iv", Type: bytesT}}
	byAlg := []dotnet.Param{in, {Name: "alg", Type: SymmetricAlgorithmT}}
	byAlgKey := []dotnet.Param{in, {Name: "alg", Type: SymmetricAlgorithmT}, {Name: "key", Type: bytesT}, {Name: "iv", Type: bytesT}}
	for _, enc := range []bool{true, false} {
		name := "Decrypt"
		if enc {
			name = "Encrypt"
		}
		enc := enc
		dotnet.Array.AddMethod(
			&dotnet.Method{Name: name, Extension: true, Params: byName, Result: bytesT, Fn: func(r any, a []any) (any, error) {
				data, err := inputBytes(r)
				if err != nil {
					return nil, err
				}
				key, _ := a[1].([]byte)
				iv, _ := a[2].([]byte)
				if enc {
					return SymmetricEncrypt(dotnet.ToString(a[0]), data, key, iv)
				}
				return SymmetricDecrypt(dotnet.ToString(a[0]), data, key, iv)
			}},
			&dotnet.Method{Name: name, Extension: true, Params: byAlg, Result: bytesT, Fn: func(r any, a []any) (any, error) {
				return algCrypt(r, a[0], nil, nil, enc)
			}},
			&dotnet.Method{Name: name, Extension: true, Params: byAlgKey, Result: bytesT, Fn: func(r any, a []any) (any, error) {
				key, _ := a[1].([]byte)
				iv, _ := a[2].([]byte)
				return algCrypt(r, a[0], key, iv, enc)
			}},
		)
	}
}

func inputBytes(r any) ([]byte, error) {
	data, ok := r.([]byte)
	if !ok {
		return nil, dotnet.ArgumentNull("input")
	}
	return data, nil
}

// algCrypt runs an algorithm object's transform, with its own key and IV
// unless key and iv are given.
func algCrypt(r, alg any, key, iv []byte, enc bool) (any, error) {
	data, err := inputBytes(r)
	if err != nil {
		return nil, err
	}
	a, ok := alg.(*SymmetricAlgorithm)
	if !ok {
		return nil, dotnet.ArgumentNull("alg")
	}
	if key == nil {
		key, iv = a.key, a.iv
	}
	t, err := a.transform(enc, key, iv)
	if err != nil {
		return nil, err
	}
	return t.TransformFinalBlock(data)
}
