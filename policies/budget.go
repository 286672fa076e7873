package policies

// requestGone is the error of a long step that stopped because the
// request's context ended (client gone or deadline passed), as RunAll
// reports between steps.
func requestGone(r *Run, err error) error {
	return &Error{Source: "request", Reason: "ClientConnectionFailure", Message: "the client closed the connection", Status: 499, Err: err}
}
