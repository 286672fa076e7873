// Package namedvalues resolves APIM named values: the {{name}} references
// that APIM substitutes textually into attribute values and element text of
// policy documents before anything else reads them, expressions included.
//
// A Store holds the named values of one configuration. It is filled from an
// APIOps artifact folder (LoadDir) or a map (FromMap), can be overridden
// from the environment (see EnvVar), and can pull Key Vault-backed values
// through a SecretResolver and refresh them periodically (Refresh,
// StartRefresh). Expand substitutes references in a string and keeps a map
// from every byte of the result back to the original text, so that errors in
// substituted text point at the reference. Redact masks secret values before
// text reaches a trace, a log or an error message.
package namedvalues
