package policies

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/policygate/policygate/parser"
)

// send-one-way-request sends a request and does not wait for the answer.
//
//	<send-one-way-request mode="new | copy" timeout="60">
//	    <set-url>https://… | @(expr)</set-url>
//	    <set-method>POST</set-method>
//	    <set-header name="…" exists-action="override | skip | append | delete"><value>…</value></set-header>
//	    <set-body>literal | @(expr)</set-body>
//	    <authentication-basic username="…" password="…" />
//	</send-one-way-request>
//
// The children are those of send-request and are evaluated on the request's
// goroutine (an expression failure is a policy error); the request is then
// sent from a goroutine of its own, detached from the client's request, and
// the pipeline goes on at once. The send is bounded by timeout (seconds,
// default 60, at most sendOneWayMaxTimeout) and at most sendOneWayMaxInFlight
// sends run at a time: beyond that a send is dropped, never queued. Failures,
// drops and unsendable requests are logged on Env.Logger; they never reach
// on-error.
type sendOneWayRequest struct {
	spec *sendReqSpec
}

var _ Step = (*sendOneWayRequest)(nil)

func init() { Register("send-one-way-request", compileSendOneWayRequest) }

// Bounds of the fire-and-forget sends.
const (
	sendOneWayMaxInFlight = 256
	sendOneWayMaxTimeout  = 5 * time.Minute
	sendOneWayDrainLimit  = 1 << 20 // answer bytes read so the connection can be reused
)

// sendOneWaySlots holds one token per send in flight, process-wide.
var sendOneWaySlots = make(chan struct{}, sendOneWayMaxInFlight)

func compileSendOneWayRequest(el *parser.Element, c *Compiler) (Step, error) {
	return &sendOneWayRequest{spec: compileSendReqSpec(el, c)}, nil
}

func flowLogger(r *Run) *slog.Logger {
	if r.Env != nil && r.Env.Logger != nil {
		return r.Env.Logger
	}
	return slog.Default()
}

// Exec builds the request and hands it to a goroutine.
func (s *sendOneWayRequest) Exec(r *Run) error {
	wait, err := s.spec.timeoutOf(r)
	if err != nil {
		return err
	}
	wait = min(wait, sendOneWayMaxTimeout)
	req, reqErr, err := s.spec.build(r, context.Background())
	if err != nil {
		return err
	}
	log := flowLogger(r)
	path := ""
	if r.Stmt != nil {
		path = r.Stmt.Path
	}
	if reqErr != nil {
		log.Warn("send-one-way-request not sent", "path", path, "reason", reqErr.Reason, "error", reqErr.Message)
		return nil
	}
	select {
	case sendOneWaySlots <- struct{}{}:
	default:
		log.Warn("send-one-way-request dropped: too many in flight", "path", path, "url", flowLogURL(req.URL), "limit", sendOneWayMaxInFlight)
		return nil
	}
	client := sendReqClient(r)
	go sendOneWay(client, req, wait, log, path)
	return nil
}

// sendOneWay sends req and discards the answer; it frees its slot when done.
func sendOneWay(client *http.Client, req *http.Request, wait time.Duration, log *slog.Logger, path string) {
	defer func() { <-sendOneWaySlots }()
	defer func() {
		if v := recover(); v != nil {
			log.Error("send-one-way-request panicked", "path", path, "panic", fmt.Sprint(v))
		}
	}()
	ctx, cancel := context.WithTimeoutCause(context.Background(), wait, errSendReqTimeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		reason := ReasonBackend
		if context.Cause(ctx) == errSendReqTimeout {
			reason = ReasonTimeout
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query included
		}
		log.Warn("send-one-way-request failed", "path", path, "url", flowLogURL(req.URL), "reason", reason, "error", err.Error())
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, sendOneWayDrainLimit))
	resp.Body.Close()
	log.Debug("send-one-way-request sent", "path", path, "url", flowLogURL(req.URL), "status", resp.StatusCode)
}

// flowLogURL is the part of a URL fit for logs: no user information and no
// query, where SAS signatures and keys tend to travel.
func flowLogURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
