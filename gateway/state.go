package gateway

import (
	"io"
	"net/url"

	"github.com/policygate/policygate/policies"
	"github.com/policygate/policygate/policies/state/redisstate"
)

// newStores returns the stores both gateways of the server share: in
// memory, with the counters and the external cache on Redis when
// cache.redis.url is set. The Redis client connects lazily, so a Redis
// that is down at start only means limits fail open until it is up.
func (s *Server) newStores() *policies.Stores {
	st := policies.NewStores()
	if s.set.RedisURL == "" {
		return st
	}
	rs, err := redisstate.New(redisstate.Options{
		URL:        s.set.RedisURL,
		Password:   s.set.RedisPassword,
		Prefix:     s.set.RedisPrefix,
		Timeout:    s.set.RedisTimeout,
		FailClosed: s.set.RedisFailClosed,
		Logger:     s.log,
	})
	if err != nil { // LoadSettings checked the URL; only a hand-built Settings gets here
		s.log.Error("shared state on Redis is off: bad cache.redis.url", "error", err)
		return st
	}
	for _, c := range rs.Collectors() {
		s.metrics.reg.MustRegister(c)
	}
	s.log.Info("counters and external cache on Redis", "redis", redactURL(s.set.RedisURL), "prefix", s.set.RedisPrefix, "fail_closed", s.set.RedisFailClosed)
	st.Shared = rs
	return st
}

// CloseState closes the connection to the shared state backend, if any.
func (s *Server) CloseState() error {
	if c, ok := s.gw.stores.Shared.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// shownSetting is a setting's value as errors may show it: secrets masked.
func shownSetting(name, v string) string {
	switch name {
	case "cache.redis.password":
		return "xxxxx"
	case "cache.redis.url":
		return redactURL(v)
	}
	return v
}

// redactURL masks the password of a URL.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
