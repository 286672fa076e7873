package dotnet

// The byte[] extension methods Encrypt and Decrypt of APIM policy
// expressions (spec/expressions.md §4):
//
//	Encrypt(this byte[] input, string alg, byte[] key, byte[] iv)
//	Encrypt(this byte[] input, SymmetricAlgorithm alg)
//	Encrypt(this byte[] input, SymmetricAlgorithm alg, byte[] key, byte[] iv)
//
// and the three Decrypt overloads mirroring them, over crypto_symmetric.go.
func init() {
	bytesT := ArrayOf(Byte)
	in := Param{Name: "input", Type: bytesT}
	byName := []Param{in, {Name: "alg", Type: String}, {Name: "key", Type: bytesT}, {Name: "iv", Type: bytesT}}
	byAlg := []Param{in, {Name: "alg", Type: SymmetricAlgorithmT}}
	byAlgKey := []Param{in, {Name: "alg", Type: SymmetricAlgorithmT}, {Name: "key", Type: bytesT}, {Name: "iv", Type: bytesT}}
	for _, enc := range []bool{true, false} {
		name := "Decrypt"
		if enc {
			name = "Encrypt"
		}
		enc := enc
		Array.AddMethod(
			&Method{Name: name, Extension: true, Params: byName, Result: bytesT, Fn: func(r any, a []any) (any, error) {
				data, err := inputBytes(r)
				if err != nil {
					return nil, err
				}
				key, _ := a[1].([]byte)
				iv, _ := a[2].([]byte)
				if enc {
					return SymmetricEncrypt(ToString(a[0]), data, key, iv)
				}
				return SymmetricDecrypt(ToString(a[0]), data, key, iv)
			}},
			&Method{Name: name, Extension: true, Params: byAlg, Result: bytesT, Fn: func(r any, a []any) (any, error) {
				return algCrypt(r, a[0], nil, nil, enc)
			}},
			&Method{Name: name, Extension: true, Params: byAlgKey, Result: bytesT, Fn: func(r any, a []any) (any, error) {
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
		return nil, ArgumentNull("input")
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
		return nil, ArgumentNull("alg")
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
