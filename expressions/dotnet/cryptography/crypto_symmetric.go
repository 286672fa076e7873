package cryptography

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/policygate/policygate/expressions/dotnet"
)

// CipherMode is System.Security.Cryptography.CipherMode.
type CipherMode int32

// CipherMode values.
const (
	CipherCBC CipherMode = 1
	CipherECB CipherMode = 2
	CipherOFB CipherMode = 3
	CipherCFB CipherMode = 4
	CipherCTS CipherMode = 5
)

// String returns the enum member name.
func (m CipherMode) String() string {
	if n, ok := map[CipherMode]string{1: "CBC", 2: "ECB", 3: "OFB", 4: "CFB", 5: "CTS"}[m]; ok {
		return n
	}
	return strconv.FormatInt(int64(m), 10)
}

// PaddingMode is System.Security.Cryptography.PaddingMode.
type PaddingMode int32

// PaddingMode values.
const (
	PaddingNone     PaddingMode = 1
	PaddingPKCS7    PaddingMode = 2
	PaddingZeros    PaddingMode = 3
	PaddingANSIX923 PaddingMode = 4
	PaddingISO10126 PaddingMode = 5
)

// String returns the enum member name.
func (p PaddingMode) String() string {
	if n, ok := map[PaddingMode]string{1: "None", 2: "PKCS7", 3: "Zeros", 4: "ANSIX923", 5: "ISO10126"}[p]; ok {
		return n
	}
	return strconv.FormatInt(int64(p), 10)
}

// SymmetricAlgorithm is an AES instance (System.Security.Cryptography.Aes):
// key, IV, mode and padding, with .NET's defaults (random 256-bit key and
// IV, CBC, PKCS7, 8-bit CFB feedback).
type SymmetricAlgorithm struct {
	mu       sync.Mutex
	key, iv  []byte
	mode     CipherMode
	padding  PaddingMode
	feedback int // bits
	disposed bool
}

// CryptoTransform is the ICryptoTransform CreateEncryptor and
// CreateDecryptor return: a snapshot of the algorithm's settings.
type CryptoTransform struct {
	encrypt  bool
	key, iv  []byte
	mode     CipherMode
	padding  PaddingMode
	feedback int
}

// The registered symmetric-cipher types.
var (
	CipherModeT         = dotnet.Register(dotnet.NewEnumType("CipherMode", "System.Security.Cryptography.CipherMode", CipherMode(0)))
	PaddingModeT        = dotnet.Register(dotnet.NewEnumType("PaddingMode", "System.Security.Cryptography.PaddingMode", PaddingMode(0)))
	SymmetricAlgorithmT = dotnet.Register(dotnet.NewType("SymmetricAlgorithm", "System.Security.Cryptography.SymmetricAlgorithm", nil, nil))
	AesT                = dotnet.Register(dotnet.NewType("Aes", "System.Security.Cryptography.Aes", SymmetricAlgorithmT, reflect.TypeOf((*SymmetricAlgorithm)(nil))))
	ICryptoTransformT   = dotnet.Register(&dotnet.Type{Name: "ICryptoTransform", FullName: "System.Security.Cryptography.ICryptoTransform", Interface: true,
		Methods: map[string][]*dotnet.Method{}, Props: map[string]*dotnet.Prop{}})
	// UniversalCryptoTransformT is the concrete type behind ICryptoTransform.
	UniversalCryptoTransformT = dotnet.Register(&dotnet.Type{Name: "UniversalCryptoTransform", FullName: "System.Security.Cryptography.UniversalCryptoTransform",
		Base: dotnet.Object, Ifaces: []*dotnet.Type{ICryptoTransformT}, GoType: reflect.TypeOf((*CryptoTransform)(nil)),
		Methods: map[string][]*dotnet.Method{}, Props: map[string]*dotnet.Prop{}, Static: map[string][]*dotnet.Method{}, StaticProps: map[string]*dotnet.Prop{}})
)

func crCryptoErr(msg string) *dotnet.Exception {
	return dotnet.Throw("System.Security.Cryptography.CryptographicException", "%s", msg)
}

// NewAes returns an Aes with a random key and IV, as Aes.Create() does.
func NewAes() *SymmetricAlgorithm {
	a := &SymmetricAlgorithm{key: make([]byte, 32), iv: make([]byte, 16), mode: CipherCBC, padding: PaddingPKCS7, feedback: 8}
	_, _ = rand.Read(a.key)
	_, _ = rand.Read(a.iv)
	return a
}

func (a *SymmetricAlgorithm) transform(encrypt bool, key, iv []byte) (*CryptoTransform, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disposed {
		return nil, dotnet.Throw("System.ObjectDisposedException", "Cannot access a disposed object.\nObject name: 'System.Security.Cryptography.Aes'.")
	}
	if key == nil {
		key = a.key
	}
	if iv == nil {
		iv = a.iv
	}
	t := &CryptoTransform{encrypt: encrypt, key: append([]byte(nil), key...), iv: append([]byte(nil), iv...),
		mode: a.mode, padding: a.padding, feedback: a.feedback}
	return t, t.check()
}

func (t *CryptoTransform) check() error {
	switch len(t.key) {
	case 16, 24, 32:
	default:
		return crCryptoErr("Specified key is not a valid size for this algorithm.")
	}
	if t.mode != CipherECB && len(t.iv) != aes.BlockSize {
		return crCryptoErr("Specified initialization vector (IV) does not match the block size for this algorithm.")
	}
	switch t.mode {
	case CipherCBC, CipherECB:
	case CipherCFB:
		if t.feedback != 8 && t.feedback != 128 {
			return crCryptoErr("The specified feedback size '" + strconv.FormatInt(int64(t.feedback), 10) + "' for CipherMode 'CFB' is not supported.")
		}
	default:
		return crCryptoErr("Specified cipher mode is not valid for this algorithm.")
	}
	return nil
}

// TransformFinalBlock encrypts or decrypts all of data with padding.
func (t *CryptoTransform) TransformFinalBlock(data []byte) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(t.key)
	unit := aes.BlockSize
	if t.mode == CipherCFB {
		unit = t.feedback / 8
	}
	if t.encrypt {
		in, err := crPad(data, unit, t.padding)
		if err != nil {
			return nil, err
		}
		return t.run(block, in, true), nil
	}
	if len(data)%unit != 0 {
		return nil, crCryptoErr("The input data is not a complete block.")
	}
	out := t.run(block, data, false)
	return crUnpad(out, unit, t.padding)
}

func (t *CryptoTransform) run(block cipher.Block, in []byte, enc bool) []byte {
	out := make([]byte, len(in))
	bs := aes.BlockSize
	switch t.mode {
	case CipherECB:
		for i := 0; i < len(in); i += bs {
			if enc {
				block.Encrypt(out[i:i+bs], in[i:i+bs])
			} else {
				block.Decrypt(out[i:i+bs], in[i:i+bs])
			}
		}
	case CipherCBC:
		if enc {
			cipher.NewCBCEncrypter(block, t.iv).CryptBlocks(out, in)
		} else {
			cipher.NewCBCDecrypter(block, t.iv).CryptBlocks(out, in)
		}
	case CipherCFB:
		// CFB with a segment of feedback/8 bytes: the register shifts by one
		// segment of ciphertext each step.
		seg := t.feedback / 8
		reg := append([]byte(nil), t.iv...)
		ks := make([]byte, bs)
		for i := 0; i < len(in); i += seg {
			block.Encrypt(ks, reg)
			for j := 0; j < seg; j++ {
				out[i+j] = in[i+j] ^ ks[j]
			}
			ct := out[i : i+seg]
			if !enc {
				ct = in[i : i+seg]
			}
			reg = append(reg[seg:], ct...)
		}
	}
	return out
}

func crPad(data []byte, unit int, p PaddingMode) ([]byte, error) {
	n := unit - len(data)%unit
	switch p {
	case PaddingNone:
		if len(data)%unit != 0 {
			return nil, crCryptoErr("The input data is not a complete block.")
		}
		return append([]byte(nil), data...), nil
	case PaddingZeros:
		if len(data)%unit == 0 {
			return append([]byte(nil), data...), nil
		}
		return append(append([]byte(nil), data...), make([]byte, n)...), nil
	case PaddingPKCS7:
		out := append([]byte(nil), data...)
		for range n {
			out = append(out, byte(n))
		}
		return out, nil
	case PaddingANSIX923:
		out := append(append([]byte(nil), data...), make([]byte, n-1)...)
		return append(out, byte(n)), nil
	case PaddingISO10126:
		pad := make([]byte, n)
		_, _ = rand.Read(pad)
		pad[n-1] = byte(n)
		return append(append([]byte(nil), data...), pad...), nil
	}
	return nil, crCryptoErr("Specified padding mode is not valid for this algorithm.")
}

func crUnpad(data []byte, unit int, p PaddingMode) ([]byte, error) {
	bad := crCryptoErr("Padding is invalid and cannot be removed.")
	switch p {
	case PaddingNone, PaddingZeros:
		return data, nil
	}
	if len(data) == 0 {
		return nil, bad
	}
	n := int(data[len(data)-1])
	if n == 0 || n > unit || n > len(data) {
		return nil, bad
	}
	pad := data[len(data)-n : len(data)-1]
	for _, b := range pad {
		if (p == PaddingPKCS7 && int(b) != n) || (p == PaddingANSIX923 && b != 0) {
			return nil, bad
		}
	}
	return data[:len(data)-n], nil
}

// SymmetricEncrypt encrypts data with an algorithm named as APIM's
// byte[].Encrypt(alg, key, iv) extension names it ("Aes", "AesManaged",
// "Rijndael", "RijndaelManaged"): CBC with PKCS7 padding.
func SymmetricEncrypt(alg string, data, key, iv []byte) ([]byte, error) {
	return crSymmetric(alg, true, data, key, iv)
}

// SymmetricDecrypt reverses SymmetricEncrypt.
func SymmetricDecrypt(alg string, data, key, iv []byte) ([]byte, error) {
	return crSymmetric(alg, false, data, key, iv)
}

func crSymmetric(alg string, enc bool, data, key, iv []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimPrefix(alg, "System.Security.Cryptography.")) {
	case "aes", "aesmanaged", "aescryptoserviceprovider", "rijndael", "rijndaelmanaged", "aescng":
	default:
		return nil, dotnet.Throw("System.ArgumentException", "Algorithm '%s' is not supported. (Parameter 'alg')", alg)
	}
	t := &CryptoTransform{encrypt: enc, key: key, iv: iv, mode: CipherCBC, padding: PaddingPKCS7, feedback: 8}
	return t.TransformFinalBlock(data)
}

// Encrypt encrypts data with the algorithm's key, IV, mode and padding.
func (a *SymmetricAlgorithm) Encrypt(data []byte) ([]byte, error) {
	t, err := a.transform(true, nil, nil)
	if err != nil {
		return nil, err
	}
	return t.TransformFinalBlock(data)
}

// Decrypt decrypts data with the algorithm's key, IV, mode and padding.
func (a *SymmetricAlgorithm) Decrypt(data []byte) ([]byte, error) {
	t, err := a.transform(false, nil, nil)
	if err != nil {
		return nil, err
	}
	return t.TransformFinalBlock(data)
}

func crSym(r any) *SymmetricAlgorithm {
	if a, ok := r.(*SymmetricAlgorithm); ok {
		return a
	}
	return &SymmetricAlgorithm{disposed: true}
}

func init() {
	cm := map[string]any{}
	for _, m := range []CipherMode{CipherCBC, CipherECB, CipherOFB, CipherCFB, CipherCTS} {
		cm[m.String()] = m
	}
	dotnet.AddEnumValues(CipherModeT, cm)
	pm := map[string]any{}
	for _, p := range []PaddingMode{PaddingNone, PaddingPKCS7, PaddingZeros, PaddingANSIX923, PaddingISO10126} {
		pm[p.String()] = p
	}
	dotnet.AddEnumValues(PaddingModeT, pm)

	ba := dotnet.ArrayOf(dotnet.Byte)
	s := SymmetricAlgorithmT
	create := func(_ any, a []any) (any, error) {
		if len(a) > 0 {
			n, _ := dotnet.StringArg(a[0])
			switch strings.ToLower(strings.TrimPrefix(n, "System.Security.Cryptography.")) {
			case "aes", "aesmanaged", "aescryptoserviceprovider", "rijndael", "rijndaelmanaged", "aescng":
			default:
				return nil, nil
			}
		}
		return NewAes(), nil
	}
	AesT.AddStatic(dotnet.NewMethod("Create", AesT, create), dotnet.NewMethod("Create", AesT, create, "algorithmName", dotnet.String))
	s.AddStatic(dotnet.NewMethod("Create", s, create, "algName", dotnet.String))

	bytesProp := func(name string, get func(a *SymmetricAlgorithm) *[]byte, valid func(n int) bool, msg string) *dotnet.Prop {
		return &dotnet.Prop{Name: name, Type: ba,
			Get: func(r any) (any, error) {
				a := crSym(r)
				a.mu.Lock()
				defer a.mu.Unlock()
				return append([]byte(nil), (*get(a))...), nil
			},
			Set: func(r any, v any) error {
				b, err := dotnet.BytesArg(v, "value")
				if err != nil {
					return err
				}
				if !valid(len(b)) {
					return crCryptoErr(msg)
				}
				a := crSym(r)
				a.mu.Lock()
				defer a.mu.Unlock()
				*get(a) = append([]byte(nil), b...)
				return nil
			}}
	}
	s.AddProp(
		bytesProp("Key", func(a *SymmetricAlgorithm) *[]byte { return &a.key },
			func(n int) bool { return n == 16 || n == 24 || n == 32 }, "Specified key is not a valid size for this algorithm."),
		bytesProp("IV", func(a *SymmetricAlgorithm) *[]byte { return &a.iv },
			func(n int) bool { return n == 16 }, "Specified initialization vector (IV) does not match the block size for this algorithm."),
		&dotnet.Prop{Name: "Mode", Type: CipherModeT,
			Get: func(r any) (any, error) { return crSym(r).mode, nil },
			Set: func(r any, v any) error {
				m := CipherMode(dotnet.IntArg(v))
				if m < CipherCBC || m > CipherCTS {
					return crCryptoErr("Specified cipher mode is not valid for this algorithm.")
				}
				crSym(r).mode = m
				return nil
			}},
		&dotnet.Prop{Name: "Padding", Type: PaddingModeT,
			Get: func(r any) (any, error) { return crSym(r).padding, nil },
			Set: func(r any, v any) error {
				p := PaddingMode(dotnet.IntArg(v))
				if p < PaddingNone || p > PaddingISO10126 {
					return crCryptoErr("Specified padding mode is not valid for this algorithm.")
				}
				crSym(r).padding = p
				return nil
			}},
		&dotnet.Prop{Name: "KeySize", Type: dotnet.Int32,
			Get: func(r any) (any, error) { return int32(len(crSym(r).key) * 8), nil },
			Set: func(r any, v any) error {
				n := dotnet.IntArg(v)
				if n != 128 && n != 192 && n != 256 {
					return crCryptoErr("Specified key is not a valid size for this algorithm.")
				}
				a := crSym(r)
				a.key = make([]byte, n/8)
				_, _ = rand.Read(a.key)
				return nil
			}},
		&dotnet.Prop{Name: "FeedbackSize", Type: dotnet.Int32,
			Get: func(r any) (any, error) { return int32(crSym(r).feedback), nil },
			Set: func(r any, v any) error {
				n := dotnet.IntArg(v)
				if n != 8 && n != 128 {
					return crCryptoErr("Specified feedback size is invalid.")
				}
				crSym(r).feedback = int(n)
				return nil
			}},
		dotnet.NewProp("BlockSize", dotnet.Int32, func(any) (any, error) { return int32(128), nil }),
	)
	xform := func(enc bool) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			var key, iv []byte
			if len(a) == 2 {
				var err error
				if key, err = dotnet.BytesArg(a[0], "rgbKey"); err != nil {
					return nil, err
				}
				iv, _ = dotnet.BytesArg(a[1], "rgbIV")
			}
			return crSym(r).transform(enc, key, iv)
		}
	}
	oneShot := func(enc bool, mode CipherMode, withIV bool) func(any, []any) (any, error) {
		return func(r any, a []any) (any, error) {
			data, err := dotnet.BytesArg(a[0], "plaintext")
			if err != nil {
				return nil, err
			}
			alg := crSym(r)
			t := &CryptoTransform{encrypt: enc, key: alg.key, mode: mode, padding: PaddingPKCS7, feedback: 8}
			next := 1
			if withIV {
				if t.iv, err = dotnet.BytesArg(a[1], "iv"); err != nil {
					return nil, err
				}
				next = 2
			}
			if len(a) > next {
				t.padding = PaddingMode(dotnet.IntArg(a[next]))
			}
			return t.TransformFinalBlock(data)
		}
	}
	dispose := func(r any, _ []any) (any, error) {
		a := crSym(r)
		a.mu.Lock()
		a.disposed = true
		a.mu.Unlock()
		return nil, nil
	}
	padOpt := dotnet.Param{Name: "paddingMode", Type: PaddingModeT, Optional: true, Default: PaddingPKCS7}
	s.AddMethod(
		dotnet.NewMethod("GenerateKey", dotnet.Void, func(r any, _ []any) (any, error) {
			a := crSym(r)
			a.mu.Lock()
			defer a.mu.Unlock()
			_, _ = rand.Read(a.key)
			return nil, nil
		}),
		dotnet.NewMethod("GenerateIV", dotnet.Void, func(r any, _ []any) (any, error) {
			a := crSym(r)
			a.mu.Lock()
			defer a.mu.Unlock()
			a.iv = make([]byte, 16)
			_, _ = rand.Read(a.iv)
			return nil, nil
		}),
		dotnet.NewMethod("CreateEncryptor", ICryptoTransformT, xform(true)),
		dotnet.NewMethod("CreateEncryptor", ICryptoTransformT, xform(true), "rgbKey", ba, "rgbIV", ba),
		dotnet.NewMethod("CreateDecryptor", ICryptoTransformT, xform(false)),
		dotnet.NewMethod("CreateDecryptor", ICryptoTransformT, xform(false), "rgbKey", ba, "rgbIV", ba),
		dotnet.NewMethod("EncryptCbc", ba, oneShot(true, CipherCBC, true), "plaintext", ba, "iv", ba, "paddingMode", padOpt),
		dotnet.NewMethod("DecryptCbc", ba, oneShot(false, CipherCBC, true), "ciphertext", ba, "iv", ba, "paddingMode", padOpt),
		dotnet.NewMethod("EncryptEcb", ba, oneShot(true, CipherECB, false), "plaintext", ba, "paddingMode", PaddingModeT),
		dotnet.NewMethod("DecryptEcb", ba, oneShot(false, CipherECB, false), "ciphertext", ba, "paddingMode", PaddingModeT),
		dotnet.NewMethod("Dispose", dotnet.Void, dispose),
		dotnet.NewMethod("Clear", dotnet.Void, dispose),
	)

	ct := func(r any) *CryptoTransform { return r.(*CryptoTransform) }
	ICryptoTransformT.AddMethod(
		dotnet.NewMethod("TransformFinalBlock", ba, func(r any, a []any) (any, error) {
			in, err := crSpan(a, "inputBuffer")
			if err != nil {
				return nil, err
			}
			return ct(r).TransformFinalBlock(in)
		}, "inputBuffer", ba, "inputOffset", dotnet.Int32, "inputCount", dotnet.Int32),
		dotnet.NewMethod("Dispose", dotnet.Void, func(any, []any) (any, error) { return nil, nil }),
	)
	ICryptoTransformT.AddProp(
		dotnet.NewProp("InputBlockSize", dotnet.Int32, func(any) (any, error) { return int32(16), nil }),
		dotnet.NewProp("OutputBlockSize", dotnet.Int32, func(any) (any, error) { return int32(16), nil }),
		dotnet.NewProp("CanTransformMultipleBlocks", dotnet.Boolean, func(any) (any, error) { return true, nil }),
		dotnet.NewProp("CanReuseTransform", dotnet.Boolean, func(any) (any, error) { return true, nil }),
	)
}
