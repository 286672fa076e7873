package policies

import (
	"net/http"
	"time"

	"github.com/policygate/policygate/parser"
)

// cache-store stores the response for the key cache-lookup computed.
//
//	<cache-store duration="seconds | @(expr)" cache-response="false | @(expr)" />
//
// Outbound, once per section. It stores only when cache-lookup ran for this
// request and missed (so only GET responses), and only 200 responses unless
// cache-response is true. Bodies over MaxCachedResponse, streamed bodies
// and Set-Cookie headers are never cached. A duration of 0 stores nothing.
// The response gets the downstream Cache-Control cache-lookup asked for.
type cacheStore struct {
	duration, cacheResponse *Value
}

var _ Step = (*cacheStore)(nil)

func init() { Register("cache-store", compileCacheStore) }

func compileCacheStore(el *parser.Element, c *Compiler) (Step, error) {
	s := &cacheStore{duration: c.Attr(el, "duration", KindInt), cacheResponse: c.Attr(el, "cache-response", KindBool)}
	checkLitInt(c, s.duration)
	return s, nil
}

func (s *cacheStore) Exec(r *Run) error {
	st, _ := r.Scratch[cacheKey].(*responseCacheState)
	resp := r.Ctx.Response
	if st == nil || st.hit || resp == nil {
		return nil
	}
	d, err := evalInt(r, s.duration, 0)
	if err != nil {
		return err
	}
	all, err := s.cacheResponse.Bool(r, false)
	if err != nil {
		return err
	}
	ttl := time.Duration(d) * time.Second
	if d == 0 || !all && resp.StatusCode != http.StatusOK {
		return nil
	}
	if sr, ok := r.Scratch[StreamKey].(*StreamedResponse); ok && resp.Body == sr.Placeholder {
		return nil
	}
	var body []byte
	if resp.Body != nil {
		if resp.Body.Consumed() {
			return nil
		}
		body = append([]byte(nil), resp.Body.Bytes()...)
	}
	if len(body) > MaxCachedResponse {
		return nil
	}
	h := http.Header{}
	if resp.Headers != nil {
		h = resp.Headers.H.Clone()
	}
	StripHopHeaders(h)
	h.Del("Set-Cookie")
	h.Del("Cache-Control")
	size := int64(len(body)) + 64
	for k, vs := range h {
		size += int64(len(k))
		for _, v := range vs {
			size += int64(len(v))
		}
	}
	cr := &cachedResponse{status: resp.StatusCode, reason: resp.StatusReason, header: h, body: body}
	now := r.Now()
	if st.cache == nil {
		StoresOf(r.Env).Cache.Set(st.key, cr, size, now.Add(ttl))
	} else {
		st.cache.CacheSet(stateCtx(r), st.key, encodeResponse(cr), now, now.Add(ttl)) // a failure only loses the entry
	}
	setCacheControl(responseHeaders(r), st, ttl)
	return nil
}
