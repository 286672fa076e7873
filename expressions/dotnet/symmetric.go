package dotnet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"strings"
)

// The byte[] extension methods Encrypt and Decrypt of APIM policy
// expressions (spec/expressions.md §4): Encrypt(input, alg, key, iv) and
// Decrypt(input, alg, key, iv) with alg "Aes" or "Rijndael" (128-bit blocks),
// CBC mode and PKCS#7 padding, .NET's defaults for those algorithms.
func init() {
	bytesT := ArrayOf(Byte)
	params := []Param{{Name: "input", Type: bytesT}, {Name: "alg", Type: String}, {Name: "key", Type: bytesT}, {Name: "iv", Type: bytesT}}
	Array.AddMethod(
		&Method{Name: "Encrypt", Extension: true, Params: params, Result: bytesT, Fn: func(r any, a []any) (any, error) {
			return symmetric(r, a, true)
		}},
		&Method{Name: "Decrypt", Extension: true, Params: params, Result: bytesT, Fn: func(r any, a []any) (any, error) {
			return symmetric(r, a, false)
		}},
	)
}

func cryptoErr(msg string) error {
	return Throw("System.Security.Cryptography.CryptographicException", "%s", msg)
}

func symmetric(recv any, a []any, encrypt bool) (any, error) {
	input, ok := recv.([]byte)
	if !ok {
		return nil, ArgumentNull("input")
	}
	alg := strings.ToLower(ToString(a[0]))
	if alg != "aes" && alg != "rijndael" && alg != "system.security.cryptography.aes" {
		return nil, Throw("System.ArgumentException", "Unsupported symmetric algorithm '%s'.", ToString(a[0]))
	}
	key, _ := a[1].([]byte)
	iv, _ := a[2].([]byte)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, cryptoErr("Specified key is not a valid size for this algorithm.")
	}
	if len(iv) != aes.BlockSize {
		return nil, cryptoErr("Specified initialization vector (IV) does not match the block size for this algorithm.")
	}
	if encrypt {
		pad := aes.BlockSize - len(input)%aes.BlockSize
		buf := append(append([]byte(nil), input...), bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
		return buf, nil
	}
	if len(input) == 0 || len(input)%aes.BlockSize != 0 {
		return nil, cryptoErr("The input data is not a complete block.")
	}
	buf := append([]byte(nil), input...)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(buf[len(buf)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, cryptoErr("Padding is invalid and cannot be removed.")
	}
	return buf[:len(buf)-pad], nil
}
