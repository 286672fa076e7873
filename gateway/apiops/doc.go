// Package apiops loads a gateway configuration from an APIOps artifact
// folder: the layout that Azure/apiops' extractor writes from a live API
// Management instance and that users keep in git. Load turns the folder
// into an engine.Config.
//
// What is read, relative to the folder:
//
//	policy.xml                                    global policy
//	apis/<name>/apiInformation.json               API (ARM "properties")
//	apis/<name>;rev=<n>/…                         revision n of API <name>
//	apis/<name>/specification.yaml|yml|json       OpenAPI 2 or 3: operations
//	apis/<name>/policy.xml                        API policy
//	apis/<name>/operations/<operationId>/policy.xml
//	apis/<name>/products.json                     membership, see below
//	version sets/<name>/versionSetInformation.json   (or versionSets/)
//	products/<name>/productInformation.json
//	products/<name>/policy.xml
//	products/<name>/apis/<api>/productApiInformation.json   membership
//	products/<name>/apis.json                     membership, older form
//	named values/<name>/namedValueInformation.json   (or namedValues/)
//	backends/<name>/backendInformation.json
//	policy fragments/<name>/policy.xml            (or policyFragments/)
//	subscriptions/<name>/subscriptionInformation.json
//
// Product membership is the union of three forms: the extractor's
// products/<p>/apis/<api>/ folders, the older products/<p>/apis.json (a list
// of {"name": …} objects or of names), and, for hand-written folders,
// apis/<api>/products.json (a list of product names in the same shapes).
// Every member must be a loaded API and every product a loaded product.
//
// Tags, loggers, diagnostics, groups, gateways and the other metadata
// folders are ignored. Specifications other than OpenAPI (GraphQL, WADL,
// WSDL) are not read: such an API gets no operations and a warning.
//
// Load reads everything or nothing: every problem is reported with its
// file:line:col, and when any of them is an error (not a warning) no
// configuration is returned. Policy documents are only read here; the
// engine parses and validates them, with positions in their own files.
//
// # Operations
//
// An operation is the method and path of the specification, with the
// operationId as its id and its summary as its name. As API Management
// does on import (unless apiInformation.json sets
// "translateRequiredQueryParameters": "query"), required query parameters
// become query template parameters: a GET /search with a required query
// parameter q is the template "/search?q={q}". Response examples
// (a media type's example, its first named example in name order, or its
// schema's example) become Operation.Examples for mock-response.
//
// # Subscription keys
//
// API Management never exports subscription keys, so an extracted
// subscriptionInformation.json has none. A subscription's keys are taken
// from "primaryKey" and "secondaryKey" in that file when present, and
// otherwise from the environment variables
//
//	POLICYGATE_SUBSCRIPTION_<NAME>_PRIMARY_KEY
//	POLICYGATE_SUBSCRIPTION_<NAME>_SECONDARY_KEY
//
// where <NAME> is the subscription's folder name upper-cased with every
// character other than an ASCII letter or digit replaced by '_' (see
// SubscriptionKeyEnv). A subscription without any key is skipped with a
// warning naming the variables to set. A subscription is active when its
// "state" is "active"; without a state it is not (APIM's default state is
// "submitted"), and a warning says so. Its "scope" is an ARM id ending in
// /products/<id>, /apis/<id> or /apis (all APIs); a service id (the
// built-in all-access subscription) is also mapped to "all".
//
// # Backend authentication
//
// A backend's "credentials" (header, query, authorization) are read as API
// Management has them, and so is credentials.managedIdentity:
//
//	"credentials": {"managedIdentity": {"resource": "https://cognitiveservices.azure.com", "clientId": "…"}}
//
// which sends "Authorization: Bearer <token>" of the gateway's managed
// identity for that resource (clientId selects a user-assigned identity),
// from the same token cache as authentication-managed-identity.
//
// The other ways to authenticate to a backend are a PolicyGate extension,
// in a file of its own beside the backend's information,
// backends/<name>/policygateAuth.json (AuthFile). It is a separate file,
// not a property of backendInformation.json, because API Management rejects
// properties it does not know: the APIOps publisher ignores the file, so the
// folder stays deployable to APIM. Its "kind" chooses the form:
//
//	{"kind": "api-key", "header": "api-key", "key": "{{openai-key}}"}
//	{"kind": "managed-identity", "resource": "https://cognitiveservices.azure.com", "clientId": "…"}
//	{"kind": "client-secret", "tenantId": "…", "clientId": "…", "clientSecret": "{{sp-secret}}",
//	 "scope": "https://cognitiveservices.azure.com/.default", "authorityHost": "https://login.microsoftonline.com/"}
//	{"kind": "client-certificate", "tenantId": "…", "clientId": "…", "certificatePath": "sp.pem",
//	 "certificatePassword": "{{pfx-password}}", "resource": "api://upstream"}
//	{"kind": "workload-identity", "scope": "https://cognitiveservices.azure.com/.default"}
//	{"kind": "client-assertion", "tenantId": "…", "clientId": "…", "tokenFile": "/var/run/assertion", "scope": "…"}
//	{"kind": "none"}
//
// The Entra kinds need "scope" (a v2 scope) or "resource" (an app ID URI
// or resource URL, as APIM has it; "/.default" is appended). The header of
// api-key defaults to "api-key". "certificate" may replace
// "certificatePath" with PEM text or base64 PFX. workload-identity reads
// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE and
// AZURE_AUTHORITY_HOST (tenantId, clientId, tokenFile and authorityHost
// override them). Relative certificate and token file paths are relative
// to the backend's folder. Unknown properties, unknown kinds, missing
// settings and a file together with credentials.managedIdentity are errors.
//
// Every value may hold {{named values}} (keep secrets in secret named
// values, or in Key Vault). They are expanded, with the header, query and
// authorization values of "credentials", when the gateway builds its
// backends; an unknown name there is a load error naming the backend.
//
// Named values are read by namedvalues.LoadDir, which applies its own
// environment overrides (POLICYGATE_NV_<NAME>).
package apiops
