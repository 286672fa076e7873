package policies

import (
	"sync"

	"github.com/policygate/policygate/expressions"
	"github.com/policygate/policygate/expressions/dotnet"
)

// exprCache keeps compiled expressions by source text and expected type:
// a configuration of many APIs repeats the same expressions, compiling
// is a pure function of the two, and a Program carries no position (the
// Value holding it does), so one Program serves every copy. Only
// successful compiles are kept; the cache is emptied when it reaches
// exprCacheMax entries.
var exprCache = struct {
	sync.Mutex
	m map[exprKey]*expressions.Program
}{m: map[exprKey]*expressions.Program{}}

const exprCacheMax = 1 << 16

type exprKey struct {
	text   string
	expect *dotnet.Type
}

// compileExpression is expressions.Compile through exprCache.
func compileExpression(text string, expect *dotnet.Type) (*expressions.Program, error) {
	k := exprKey{text, expect}
	exprCache.Lock()
	p := exprCache.m[k]
	exprCache.Unlock()
	if p != nil {
		return p, nil
	}
	var opts []expressions.Option
	if expect != nil {
		opts = append(opts, expressions.Expect(expect))
	}
	p, err := expressions.Compile(text, opts...)
	if err != nil {
		return nil, err
	}
	exprCache.Lock()
	if len(exprCache.m) >= exprCacheMax {
		clear(exprCache.m)
	}
	exprCache.m[k] = p
	exprCache.Unlock()
	return p, nil
}
