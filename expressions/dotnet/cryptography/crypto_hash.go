package cryptography

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"reflect"
	"sync"

	"github.com/policygate/policygate/expressions/dotnet"
)

// HashAlgorithm is the state behind every System.Security.Cryptography hash
// object (MD5, SHA1, SHA256, SHA384, SHA512 and their HMAC variants). The
// .NET object is a value of a distinct Go type per .NET class that embeds a
// *HashAlgorithm, so TypeOf reports the class.
type HashAlgorithm struct {
	mu       sync.Mutex
	name     string // .NET full type name, for messages
	newHash  func() hash.Hash
	hmac     bool
	key      []byte
	inc      hash.Hash // incremental state of TransformBlock
	last     []byte    // the Hash property
	disposed bool
}

func (h *HashAlgorithm) hashAlg() *HashAlgorithm { return h }

// crHasher is implemented by every hash object value.
type crHasher interface{ hashAlg() *HashAlgorithm }

func (h *HashAlgorithm) fresh() hash.Hash {
	if h.hmac {
		return hmac.New(h.newHash, h.key)
	}
	return h.newHash()
}

func (h *HashAlgorithm) check() error {
	if h.disposed {
		return dotnet.Throw("System.ObjectDisposedException", "Cannot access a disposed object.\nObject name: '%s'.", h.name)
	}
	return nil
}

// ComputeHash returns the hash (or HMAC) of data, as ComputeHash(byte[])
// does, and remembers it as the Hash property.
func (h *HashAlgorithm) ComputeHash(data []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.check(); err != nil {
		return nil, err
	}
	x := h.fresh()
	x.Write(data)
	h.last = x.Sum(nil)
	h.inc = nil
	return append([]byte(nil), h.last...), nil
}

// crObj is the Go type of one .NET hash class; the tag only makes the type
// distinct.
type crObj[T any] struct{ *HashAlgorithm }

type (
	crTagHashAlgorithm struct{}
	crTagKeyed         struct{}
	crTagHMAC          struct{}
	crTagMD5           struct{}
	crTagSHA1          struct{}
	crTagSHA256        struct{}
	crTagSHA384        struct{}
	crTagSHA512        struct{}
	crTagSHA1M         struct{}
	crTagSHA256M       struct{}
	crTagSHA384M       struct{}
	crTagSHA512M       struct{}
	crTagHMACMD5       struct{}
	crTagHMACSHA1      struct{}
	crTagHMACSHA256    struct{}
	crTagHMACSHA384    struct{}
	crTagHMACSHA512    struct{}
)

// crClass describes one registered hash class.
type crClass struct {
	t       *dotnet.Type
	wrap    func(*HashAlgorithm) any
	newHash func() hash.Hash
	hmac    bool
}

var crClasses = map[*dotnet.Type]*crClass{}

func crDef[T any](name string, base *dotnet.Type, newHash func() hash.Hash, isHMAC bool) *dotnet.Type {
	t := dotnet.Register(dotnet.NewType(name, "System.Security.Cryptography."+name, base, reflect.TypeOf(crObj[T]{})))
	crClasses[t] = &crClass{t: t, wrap: func(h *HashAlgorithm) any { return crObj[T]{h} }, newHash: newHash, hmac: isHMAC}
	return t
}

// The registered hash types.
var (
	HashAlgorithmT      = crDef[crTagHashAlgorithm]("HashAlgorithm", nil, nil, false)
	KeyedHashAlgorithmT = crDef[crTagKeyed]("KeyedHashAlgorithm", HashAlgorithmT, nil, false)
	HMACT               = crDef[crTagHMAC]("HMAC", KeyedHashAlgorithmT, nil, true)
	MD5T                = crDef[crTagMD5]("MD5", HashAlgorithmT, md5.New, false)
	SHA1T               = crDef[crTagSHA1]("SHA1", HashAlgorithmT, sha1.New, false)
	SHA256T             = crDef[crTagSHA256]("SHA256", HashAlgorithmT, sha256.New, false)
	SHA384T             = crDef[crTagSHA384]("SHA384", HashAlgorithmT, sha512.New384, false)
	SHA512T             = crDef[crTagSHA512]("SHA512", HashAlgorithmT, sha512.New, false)
	SHA1ManagedT        = crDef[crTagSHA1M]("SHA1Managed", SHA1T, sha1.New, false)
	SHA256ManagedT      = crDef[crTagSHA256M]("SHA256Managed", SHA256T, sha256.New, false)
	SHA384ManagedT      = crDef[crTagSHA384M]("SHA384Managed", SHA384T, sha512.New384, false)
	SHA512ManagedT      = crDef[crTagSHA512M]("SHA512Managed", SHA512T, sha512.New, false)
	HMACMD5T            = crDef[crTagHMACMD5]("HMACMD5", HMACT, md5.New, true)
	HMACSHA1T           = crDef[crTagHMACSHA1]("HMACSHA1", HMACT, sha1.New, true)
	HMACSHA256T         = crDef[crTagHMACSHA256]("HMACSHA256", HMACT, sha256.New, true)
	HMACSHA384T         = crDef[crTagHMACSHA384]("HMACSHA384", HMACT, sha512.New384, true)
	HMACSHA512T         = crDef[crTagHMACSHA512]("HMACSHA512", HMACT, sha512.New, true)
)

// NewHashObject creates an instance of a concrete hash class (SHA256T,
// HMACSHA256T, ...) as the expression runtime holds it. key is used by HMAC
// classes only; nil gives a random 64-byte key as .NET's parameterless
// constructor does.
func NewHashObject(t *dotnet.Type, key []byte) (any, error) {
	c := crClasses[t]
	if c == nil || c.newHash == nil {
		return nil, dotnet.Throw("System.MissingMethodException", "Cannot create an abstract class.")
	}
	h := &HashAlgorithm{name: t.FullName, newHash: c.newHash, hmac: c.hmac}
	if c.hmac {
		if key == nil {
			key = make([]byte, 64)
			if c.newHash().BlockSize() > 64 {
				key = make([]byte, 128)
			}
			_, _ = rand.Read(key)
		}
		h.key = append([]byte(nil), key...)
	}
	return c.wrap(h), nil
}

// crSpan is the byte[] argument a[0] (named param), cut to a[1] (offset)
// and a[2] (count) when the overload has them, with .NET's range checks.
func crSpan(a []any, param string) ([]byte, error) {
	b, err := dotnet.BytesArg(a[0], param)
	if err != nil || len(a) < 3 {
		return b, err
	}
	off, count := dotnet.IntArg(a[1]), dotnet.IntArg(a[2])
	if off < 0 {
		return nil, dotnet.Throw("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'offset')")
	}
	if count < 0 || count > int64(len(b)) {
		return nil, dotnet.Throw("System.ArgumentException", "Value was invalid.")
	}
	if int64(len(b))-count < off {
		return nil, dotnet.Throw("System.ArgumentException", "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.")
	}
	return b[off : off+count], nil
}

func crAlg(r any) *HashAlgorithm {
	if h, ok := r.(crHasher); ok {
		return h.hashAlg()
	}
	return &HashAlgorithm{disposed: true, name: dotnet.TypeOf(r).FullName}
}

func init() {
	h := HashAlgorithmT
	compute := func(r any, a []any) (any, error) {
		b, err := crSpan(a, "buffer")
		if err != nil {
			return nil, err
		}
		return crAlg(r).ComputeHash(b)
	}
	// transform feeds inputBuffer[inputOffset:][:inputCount] into the running
	// hash; done runs under the lock with the bytes fed and gives the result.
	transform := func(r any, a []any, done func(x *HashAlgorithm, in []byte) any) (any, error) {
		in, err := crSpan(a, "inputBuffer")
		if err != nil {
			return nil, err
		}
		x := crAlg(r)
		x.mu.Lock()
		defer x.mu.Unlock()
		if err := x.check(); err != nil {
			return nil, err
		}
		if x.inc == nil {
			x.inc = x.fresh()
		}
		x.inc.Write(in)
		return done(x, in), nil
	}
	dispose := func(r any, _ []any) (any, error) {
		x := crAlg(r)
		x.mu.Lock()
		x.disposed = true
		x.mu.Unlock()
		return nil, nil
	}
	ba := dotnet.ArrayOf(dotnet.Byte)
	h.AddMethod(
		dotnet.NewMethod("ComputeHash", ba, compute, "buffer", ba),
		dotnet.NewMethod("ComputeHash", ba, compute, "buffer", ba, "offset", dotnet.Int32, "count", dotnet.Int32),
		dotnet.NewMethod("TransformBlock", dotnet.Int32, func(r any, a []any) (any, error) {
			return transform(r, a, func(_ *HashAlgorithm, in []byte) any {
				if out, ok := a[3].([]byte); ok && out != nil {
					copy(out[dotnet.IntArg(a[4]):], in)
				}
				return int32(len(in))
			})
		}, "inputBuffer", ba, "inputOffset", dotnet.Int32, "inputCount", dotnet.Int32, "outputBuffer", ba, "outputOffset", dotnet.Int32),
		dotnet.NewMethod("TransformFinalBlock", ba, func(r any, a []any) (any, error) {
			return transform(r, a, func(x *HashAlgorithm, in []byte) any {
				x.last = x.inc.Sum(nil)
				x.inc = nil
				return append([]byte(nil), in...)
			})
		}, "inputBuffer", ba, "inputOffset", dotnet.Int32, "inputCount", dotnet.Int32),
		dotnet.NewMethod("Initialize", dotnet.Void, func(r any, _ []any) (any, error) {
			x := crAlg(r)
			x.mu.Lock()
			x.inc = nil
			x.mu.Unlock()
			return nil, nil
		}),
		dotnet.NewMethod("Dispose", dotnet.Void, dispose),
		dotnet.NewMethod("Clear", dotnet.Void, dispose),
	)
	h.AddProp(
		dotnet.NewProp("Hash", ba, func(r any) (any, error) {
			x := crAlg(r)
			x.mu.Lock()
			defer x.mu.Unlock()
			if err := x.check(); err != nil {
				return nil, err
			}
			if x.last == nil || x.inc != nil {
				return nil, dotnet.Throw("System.Security.Cryptography.CryptographicUnexpectedOperationException", "Hash must be finalized before the hash value is retrieved.")
			}
			return append([]byte(nil), x.last...), nil
		}),
		dotnet.NewProp("HashSize", dotnet.Int32, func(r any) (any, error) { return int32(crAlg(r).newHash().Size() * 8), nil }),
		dotnet.NewProp("InputBlockSize", dotnet.Int32, func(any) (any, error) { return int32(1), nil }),
		dotnet.NewProp("OutputBlockSize", dotnet.Int32, func(any) (any, error) { return int32(1), nil }),
		dotnet.NewProp("CanTransformMultipleBlocks", dotnet.Boolean, func(any) (any, error) { return true, nil }),
		dotnet.NewProp("CanReuseTransform", dotnet.Boolean, func(any) (any, error) { return true, nil }),
	)
	KeyedHashAlgorithmT.AddProp(&dotnet.Prop{Name: "Key", Type: ba,
		Get: func(r any) (any, error) {
			x := crAlg(r)
			x.mu.Lock()
			defer x.mu.Unlock()
			if err := x.check(); err != nil {
				return nil, err
			}
			return append([]byte(nil), x.key...), nil
		},
		Set: func(r any, v any) error {
			b, err := dotnet.BytesArg(v, "value")
			if err != nil {
				return err
			}
			x := crAlg(r)
			x.mu.Lock()
			defer x.mu.Unlock()
			if err := x.check(); err != nil {
				return err
			}
			if x.inc != nil {
				return dotnet.Throw("System.Security.Cryptography.CryptographicException", "Hash key cannot be changed after the first write to the stream.")
			}
			x.key = append([]byte(nil), b...)
			return nil
		}})
	HMACT.AddProp(dotnet.NewProp("HashName", dotnet.String, func(r any) (any, error) {
		return map[int]string{16: "MD5", 20: "SHA1", 32: "SHA256", 48: "SHA384", 64: "SHA512"}[crAlg(r).newHash().Size()], nil
	}))

	create := func(t *dotnet.Type) *dotnet.Method {
		return dotnet.NewMethod("Create", t, func(any, []any) (any, error) { return NewHashObject(t, nil) })
	}
	hashData := func(t *dotnet.Type) *dotnet.Method {
		return dotnet.NewMethod("HashData", ba, func(_ any, a []any) (any, error) {
			b, err := dotnet.BytesArg(a[0], "source")
			if err != nil {
				return nil, err
			}
			x := crClasses[t].newHash()
			x.Write(b)
			return x.Sum(nil), nil
		}, "source", ba)
	}
	for _, t := range []*dotnet.Type{MD5T, SHA1T, SHA256T, SHA384T, SHA512T} {
		t.AddStatic(create(t), hashData(t))
	}
	for _, t := range []*dotnet.Type{SHA1ManagedT, SHA256ManagedT, SHA384ManagedT, SHA512ManagedT} {
		t.Ctors = append(t.Ctors, dotnet.NewMethod(".ctor", t, func(any, []any) (any, error) { return NewHashObject(t, nil) }))
	}
	for _, t := range []*dotnet.Type{HMACMD5T, HMACSHA1T, HMACSHA256T, HMACSHA384T, HMACSHA512T} {
		t.Ctors = append(t.Ctors,
			dotnet.NewMethod(".ctor", t, func(any, []any) (any, error) { return NewHashObject(t, nil) }),
			dotnet.NewMethod(".ctor", t, func(_ any, a []any) (any, error) {
				k, err := dotnet.BytesArg(a[0], "key")
				if err != nil {
					return nil, err
				}
				return NewHashObject(t, k)
			}, "key", ba),
		)
		t.AddStatic(dotnet.NewMethod("HashData", ba, func(_ any, a []any) (any, error) {
			k, err := dotnet.BytesArg(a[0], "key")
			if err != nil {
				return nil, err
			}
			b, err := dotnet.BytesArg(a[1], "source")
			if err != nil {
				return nil, err
			}
			m := hmac.New(crClasses[t].newHash, k)
			m.Write(b)
			return m.Sum(nil), nil
		}, "key", ba, "source", ba))
	}
	byName := map[string]*dotnet.Type{
		"MD5": MD5T, "SHA1": SHA1T, "SHA": SHA1T, "SHA256": SHA256T, "SHA-256": SHA256T, "SHA384": SHA384T, "SHA-384": SHA384T,
		"SHA512": SHA512T, "SHA-512": SHA512T, "HMACMD5": HMACMD5T, "HMACSHA1": HMACSHA1T, "HMACSHA256": HMACSHA256T,
		"HMACSHA384": HMACSHA384T, "HMACSHA512": HMACSHA512T,
	}
	for _, t := range []*dotnet.Type{MD5T, SHA1T, SHA256T, SHA384T, SHA512T, HMACMD5T, HMACSHA1T, HMACSHA256T, HMACSHA384T, HMACSHA512T} {
		byName[t.FullName] = t
	}
	createByName := func(_ any, a []any) (any, error) {
		n, ok := dotnet.StringArg(a[0])
		if !ok {
			return nil, dotnet.ArgumentNull("hashName")
		}
		t := byName[n]
		if t == nil {
			return nil, nil
		}
		return NewHashObject(t, nil)
	}
	HashAlgorithmT.AddStatic(dotnet.NewMethod("Create", HashAlgorithmT, createByName, "hashName", dotnet.String))
	KeyedHashAlgorithmT.AddStatic(dotnet.NewMethod("Create", KeyedHashAlgorithmT, createByName, "algName", dotnet.String))
}
