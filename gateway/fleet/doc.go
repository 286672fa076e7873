// Package fleet holds what a configuration server and the gateways that
// pull from it agree on: the snapshot format, the access token format, the
// gateway keys file and the heartbeat payload.
//
// # Snapshot
//
// A Snapshot is one gateway's configuration: the files of the server's
// APIOps folder that this gateway needs (global policy, named values it
// references, fragments, version sets, backends, products, certificates,
// its assigned APIs and the subscriptions that reach them) plus Values,
// the environment values the folder's loader would read for them on the
// server (POLICYGATE_NV_<NAME> for secret named values, subscription keys,
// certificate passwords). The gateway loads the files with the same loader
// as `policygate run --config`, reading Values before its own environment.
// Values hold secrets: they are never logged by either side.
//
// A snapshot is versioned by Hash, the SHA-256 of its files and values in
// a canonical order (so equal content gives an equal hash on any server),
// and by Sequence, the server's count of folder changes when it was built.
// Version() ("<sequence>-<hash prefix>") is what logs and heartbeats show.
//
// # Protocol
//
//	GET  /gateways/{name}/snapshot   the gateway's snapshot (JSON)
//	POST /gateways/{name}/heartbeat  a Heartbeat (JSON) → 204
//	GET  /gateways                   Status of every known gateway (admin)
//
// The snapshot answer carries ETag: "<hash>". A gateway that already has
// a snapshot sends If-None-Match with that ETag; the server then holds the
// request until the gateway's snapshot changes (200 with the new one) or
// the wait elapses (304). The wait is the query parameter wait (seconds,
// default DefaultWait, at most MaxWait). A change therefore reaches every
// gateway in the time of one request, not of a poll interval.
//
// Every request carries Authorization: either a gateway token (see Token)
// or Bearer with an Entra ID access token. A refused request gets 401 with
// the header ReasonHeader and a JSON body {"reason": …} naming one of the
// Reason constants; neither side ever logs the credential.
package fleet
