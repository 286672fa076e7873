package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// serviceCallTimeout bounds a call to an AI service backend (content
// safety, embeddings).
const serviceCallTimeout = 30 * time.Second

// callService POSTs in as JSON to path (with query) under the backend
// entity id, with that backend's credentials, and decodes the JSON answer
// into out. A pool backend sends the call to the member it picks. Any
// failure is a 500 naming the backend, never its credentials.
func callService(r *Run, id, path, query string, in, out any) error {
	return callServiceAs(r, id, path, query, "", in, out)
}

// cognitiveServicesScope is the Entra scope of Azure AI services.
const cognitiveServicesScope = "https://cognitiveservices.azure.com/.default"

// callServiceAs is callService; with identityScope set and a backend that
// brings no Authorization of its own, the call carries a token of the
// gateway's managed identity for that scope (embeddings-backend-auth
// "system-assigned").
func callServiceAs(r *Run, id, path, query, identityScope string, in, out any) error {
	fail := func(msg string, err error) error {
		return &Error{Reason: ReasonBackend, Message: fmt.Sprintf("Call to backend '%s' failed: %s", id, msg), Status: 500, Err: err}
	}
	var b *BackendEntity
	ok := false
	if r.Env != nil && r.Env.Backends != nil {
		b, ok = r.Env.Backends(id)
	}
	if !ok || b == nil {
		return &Error{Reason: "BackendNotFound", Message: fmt.Sprintf("Backend with id '%s' could not be found.", id), Status: 500}
	}
	if b.Pool != nil {
		i, ok := b.Pool.Pick(r.Now())
		if !ok {
			return &Error{Reason: ReasonBreakerOpen, Message: fmt.Sprintf("Backend pool '%s' is unavailable: every member's circuit breaker is open.", id), Status: 503}
		}
		b = b.Members[i]
	} else if !b.Breaker.Allow(r.Now()) {
		return &Error{Reason: ReasonBreakerOpen, Message: fmt.Sprintf("Backend '%s' is unavailable: its circuit breaker is open.", id), Status: 503}
	}
	if b.URL == nil {
		return &Error{Reason: "BackendNotFound", Message: fmt.Sprintf("Backend with id '%s' has no URL.", id), Status: 500}
	}
	u := *b.URL
	u.Path = JoinPath(u.Path, path)
	q := u.Query()
	if query != "" {
		extra, _ := url.ParseQuery(query)
		for k, vs := range extra {
			q[k] = vs
		}
	}
	for k, vs := range b.Query {
		q[k] = append(q[k], vs...)
	}
	u.RawQuery = q.Encode()
	data, err := json.Marshal(in)
	if err != nil {
		return fail("the request cannot be encoded", err)
	}
	ctx, cancel := context.WithTimeout(r.Context, serviceCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return fail("bad URL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range b.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if b.AuthScheme != "" {
		req.Header.Set("Authorization", strings.TrimSpace(b.AuthScheme+" "+b.AuthParameter))
	}
	if b.Auth != nil {
		if err := b.Auth.Authenticate(ctx, req); err != nil {
			return &Error{Reason: ReasonBackendAuthentication, Message: fmt.Sprintf("Unable to authenticate to backend '%s'.", b.ID), Status: 500, Err: err}
		}
	} else if identityScope != "" && req.Header.Get("Authorization") == "" {
		tok, _, err := TokenSource().Token(ctx, identityScope, "")
		if err != nil {
			return &Error{Reason: ReasonBackendAuthentication, Message: fmt.Sprintf("Unable to authenticate to backend '%s'.", b.ID), Status: 500, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := http.DefaultClient
	if r.Env != nil && r.Env.Client != nil {
		client = r.Env.Client
	}
	if b.Client != nil {
		client = b.Client
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Breaker.Record(r.Now(), 0, ReasonBackend, 0)
		return fail(connMessage(err), err)
	}
	defer resp.Body.Close()
	b.Breaker.Record(r.Now(), resp.StatusCode, "", retryAfter(resp.Header, r.Now()))
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fail(connMessage(err), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail(fmt.Sprintf("it answered %d", resp.StatusCode), nil)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fail("the answer is not JSON", err)
	}
	return nil
}
