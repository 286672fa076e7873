package expressions

import (
	"iter"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
	"github.com/policygate/policygate/expressions/dotnet/cryptography"
)

// Context is the implicit `context` variable of policy expressions
// (spec/expressions.md §2). The engine fills it per request; expressions
// only read it (policies change it).
type Context struct {
	API          *API
	Deployment   *Deployment
	LastError    *LastError
	Operation    *Operation
	Product      *Product
	Request      *Request
	Response     *Response
	Subscription *Subscription
	User         *User
	Variables    *Variables
	Workspace    *Workspace
	RequestID    dotnet.Guid
	Timestamp    dotnet.DateTime
	Tracing      bool
	// GraphQL is the resolver context (a *GraphQLContext: Parent,
	// Arguments) in GraphQL resolver policies; nil elsewhere.
	GraphQL any
	// Now is the clock for Elapsed (time.Now when nil).
	Now func() time.Time
	// TraceFn receives context.Trace(message) calls; nil drops them.
	TraceFn func(message string)
	// Budget bounds the time and memory of this request's expressions (nil:
	// only the static caps).
	Budget *dotnet.RequestBudget
}

// Request is context.Request.
type Request struct {
	Method            string
	URL               *URL
	OriginalURL       *URL
	Headers           *Headers
	Body              *Body // nil when the request has no body
	IPAddress         string
	MatchedParameters *StringMap
	// Certificate is the client certificate presented in the TLS handshake.
	Certificate *cryptography.X509Certificate2
	// ClientHost is the Host header the client sent (also in Headers); a
	// Host header still equal to it is not forwarded as the backend's Host.
	ClientHost string
}

// Response is context.Response and the IResponse of send-request.
type Response struct {
	StatusCode   int32
	StatusReason string
	Headers      *Headers
	Body         *Body
}

// URL is IUrl.
type URL struct {
	Scheme string
	Host   string
	Port   int32
	Path   string
	Query  *Query
}

// API is context.Api.
type API struct {
	ID, Name, Path, Revision, Version    string
	Protocols                            []string
	ServiceURL                           *URL
	IsCurrentRevision                    bool
	SubscriptionKeyHeader, KeyQueryParam string
}

// Operation is context.Operation.
type Operation struct{ ID, Method, Name, URLTemplate string }

// Group is IGroup.
type Group struct{ ID, Name string }

// Product is context.Product.
type Product struct {
	ID, Name, State      string
	ApprovalRequired     bool
	SubscriptionRequired bool
	SubscriptionLimit    *int32
	Groups               []any
	APIs                 []any
}

// Subscription is context.Subscription.
type Subscription struct {
	ID, Name, Key, PrimaryKey, SecondaryKey string
	CreatedDate                             dotnet.DateTime
	StartDate, EndDate                      *dotnet.DateTime
}

// User is context.User.
type User struct {
	ID, Email, FirstName, LastName, Note string
	RegistrationDate                     dotnet.DateTime
	Groups, Identities                   []any
}

// Deployment is context.Deployment.
type Deployment struct {
	GatewayID, Region, ServiceID, ServiceName string
	IsManaged                                 bool
	Certificates                              map[string]any
}

// LastError is context.LastError.
type LastError struct {
	Source, Reason, Message, Scope, Section, Path, PolicyID string
}

// Authorization is what get-authorization-context stores in its variable.
type Authorization struct {
	AccessToken string
	Claims      *Variables
}

// Workspace is context.Workspace.
type Workspace struct{ ID, Name string }

// ---- header, query and string dictionaries ----

// Headers is an IReadOnlyDictionary<string, string[]> with case-insensitive
// names over an http.Header whose keys are canonical (NewHeaders makes them
// so; code that writes H must use canonical keys, as http.Header.Set does).
type Headers struct{ H http.Header }

// NewHeaders wraps h (nil makes an empty set), canonicalizing its keys: a
// map built by hand may hold "x-id" where net/http would hold "X-Id".
func NewHeaders(h http.Header) *Headers {
	if h == nil {
		h = http.Header{}
	}
	for k := range h {
		if c := http.CanonicalHeaderKey(k); c != k {
			h = canonicalHeader(h)
			break
		}
	}
	return &Headers{H: h}
}

func canonicalHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := http.CanonicalHeaderKey(k)
		out[c] = append(out[c], vs...)
	}
	return out
}

// Values returns the values of a header, matching its name case-insensitively.
func (h *Headers) Values(name string) ([]string, bool) {
	if v, ok := h.H[name]; ok {
		return v, true
	}
	if len(name) <= 64 {
		// canonicalize on the stack: a map index with string(bytes) does not allocate
		var buf [64]byte
		b := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			switch {
			case upper && 'a' <= c && c <= 'z':
				c -= 'a' - 'A'
			case !upper && 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			b[i] = c
			upper = c == '-'
		}
		if v, ok := h.H[string(b)]; ok {
			return v, true
		}
	}
	for k, v := range h.H {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func (h *Headers) keys() []string {
	return slices.Sorted(maps.Keys(h.H))
}

// Iter yields KeyValuePair<string, string[]> entries.
func (h *Headers) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, k := range h.keys() {
			if !yield(dotnet.KeyValuePair{Key: k, Value: h.H[k]}) {
				return
			}
		}
	}
}

// Query is IUrl.Query: an IReadOnlyDictionary<string, string[]> of decoded
// query parameters, in their order of appearance.
type Query struct {
	Names  []string
	Values map[string][]string
}

// ParseQuery decodes a raw query string (without "?").
func ParseQuery(raw string) *Query {
	q := &Query{Values: map[string][]string{}}
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		q.Add(k, v)
	}
	return q
}

// Add appends a value to a parameter.
func (q *Query) Add(name, value string) {
	if _, ok := q.Values[name]; !ok {
		q.Names = append(q.Names, name)
	}
	q.Values[name] = append(q.Values[name], value)
}

// Encode renders the query in order, URL-encoded, without "?".
func (q *Query) Encode() string {
	var b strings.Builder
	for _, k := range q.Names {
		for _, v := range q.Values[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// Iter yields KeyValuePair<string, string[]> entries.
func (q *Query) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, k := range q.Names {
			if !yield(dotnet.KeyValuePair{Key: k, Value: q.Values[k]}) {
				return
			}
		}
	}
}

// StringMap is an IReadOnlyDictionary<string, string> (MatchedParameters),
// case-insensitive on lookup.
type StringMap struct {
	Names  []string
	Values map[string]string
}

// NewStringMap builds a StringMap keeping the order of names.
func NewStringMap(names []string, values map[string]string) *StringMap {
	return &StringMap{Names: names, Values: values}
}

func (m *StringMap) get(name string) (string, bool) {
	if v, ok := m.Values[name]; ok {
		return v, true
	}
	for k, v := range m.Values {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Iter yields KeyValuePair<string, string> entries.
func (m *StringMap) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, k := range m.Names {
			if !yield(dotnet.KeyValuePair{Key: k, Value: m.Values[k]}) {
				return
			}
		}
	}
}

// Variables is context.Variables: IReadOnlyDictionary<string, object>,
// case-sensitive, in insertion order.
type Variables struct {
	names  []string
	values map[string]any
	onSet  func(name string, value any) // observer for traces; nil when off
}

// Observe installs fn to be told of every Set (nil removes it) and returns
// the previous observer, so callers can nest and restore.
func (v *Variables) Observe(fn func(name string, value any)) func(name string, value any) {
	prev := v.onSet
	v.onSet = fn
	return prev
}

// NewVariables makes an empty variable set.
func NewVariables() *Variables { return &Variables{values: map[string]any{}} }

// Set stores a variable (set-variable and friends).
func (v *Variables) Set(name string, value any) {
	if _, ok := v.values[name]; !ok {
		v.names = append(v.names, name)
	}
	v.values[name] = value
	if v.onSet != nil {
		v.onSet(name, value)
	}
}

// Get returns a variable.
func (v *Variables) Get(name string) (any, bool) {
	x, ok := v.values[name]
	return x, ok
}

// Names returns the variable names in insertion order.
func (v *Variables) Names() []string { return v.names }

// Iter yields KeyValuePair<string, object> entries.
func (v *Variables) Iter() iter.Seq[any] {
	return func(yield func(any) bool) {
		for _, k := range v.names {
			if !yield(dotnet.KeyValuePair{Key: k, Value: v.values[k]}) {
				return
			}
		}
	}
}

// Body is IMessageBody: the bytes of a request or response body with
// APIM's consume-once rule.
type Body struct {
	data     []byte
	consumed bool
}

// NewBody wraps body bytes.
func NewBody(data []byte) *Body { return &Body{data: data} }

// Bytes returns the current body bytes (nil once consumed).
func (b *Body) Bytes() []byte {
	if b.consumed {
		return nil
	}
	return b.data
}

// Consumed reports whether an As<T>() call without preserveContent read it.
func (b *Body) Consumed() bool { return b.consumed }

func (b *Body) read(preserve bool) ([]byte, error) {
	if b.consumed {
		return nil, dotnet.Throw("System.InvalidOperationException", "The message body was already read and is no longer available. Use preserveContent: true to read it more than once.")
	}
	if !preserve {
		b.consumed = true
	}
	return b.data, nil
}

// AnonObject is a value of an anonymous type (new { a = 1, b }).
type AnonObject struct {
	Names  []string
	Values []any
}

// Get returns a member by name.
func (o *AnonObject) Get(name string) (any, bool) {
	for i, n := range o.Names {
		if n == name {
			return o.Values[i], true
		}
	}
	return nil, false
}

// String renders the object as C# does: { a = 1, b = x }.
func (o *AnonObject) String() string {
	var b strings.Builder
	b.WriteString("{ ")
	for i, n := range o.Names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
		b.WriteString(" = ")
		b.WriteString(dotnet.ToString(o.Values[i]))
	}
	b.WriteString(" }")
	return b.String()
}

// ---- type declarations ----

func newModelType(name, full string, goType any) *dotnet.Type {
	return dotnet.NewType(name, full, nil, reflect.TypeOf(goType))
}

// Types of the context model, registered under the interface names APIM
// documents (IResponse, IUrl, …) so casts like (IResponse)x work.
var (
	ContextType       = newModelType("IProxyRequestContext", "Microsoft.ApiManagement.IProxyRequestContext", (*Context)(nil))
	RequestType       = newModelType("IRequest", "Microsoft.ApiManagement.IRequest", (*Request)(nil))
	ResponseType      = newModelType("IResponse", "Microsoft.ApiManagement.IResponse", (*Response)(nil))
	URLType           = newModelType("IUrl", "Microsoft.ApiManagement.IUrl", (*URL)(nil))
	APIType           = newModelType("IApi", "Microsoft.ApiManagement.IApi", (*API)(nil))
	OperationType     = newModelType("IOperation", "Microsoft.ApiManagement.IOperation", (*Operation)(nil))
	GroupType         = newModelType("IGroup", "Microsoft.ApiManagement.IGroup", (*Group)(nil))
	ProductType       = newModelType("IProduct", "Microsoft.ApiManagement.IProduct", (*Product)(nil))
	SubscriptionType  = newModelType("ISubscription", "Microsoft.ApiManagement.ISubscription", (*Subscription)(nil))
	UserType          = newModelType("IUser", "Microsoft.ApiManagement.IUser", (*User)(nil))
	DeploymentType    = newModelType("IDeployment", "Microsoft.ApiManagement.IDeployment", (*Deployment)(nil))
	LastErrorType     = newModelType("ILastError", "Microsoft.ApiManagement.ILastError", (*LastError)(nil))
	WorkspaceType     = newModelType("IWorkspace", "Microsoft.ApiManagement.IWorkspace", (*Workspace)(nil))
	BodyType          = newModelType("IMessageBody", "Microsoft.ApiManagement.IMessageBody", (*Body)(nil))
	HeadersType       = newModelType("IHeaderDictionary", "Microsoft.ApiManagement.IHeaderDictionary", (*Headers)(nil))
	QueryType         = newModelType("IQueryDictionary", "Microsoft.ApiManagement.IQueryDictionary", (*Query)(nil))
	StringMapType     = newModelType("IStringDictionary", "Microsoft.ApiManagement.IStringDictionary", (*StringMap)(nil))
	VariablesType     = newModelType("IVariables", "Microsoft.ApiManagement.IVariables", (*Variables)(nil))
	AnonType          = newModelType("<>f__AnonymousType", "<>f__AnonymousType", (*AnonObject)(nil))
	AuthorizationType = newModelType("Authorization", "Microsoft.ApiManagement.Authorization", (*Authorization)(nil))
	gatewayType       = newModelType("IGateway", "Microsoft.ApiManagement.IGateway", gatewayInfo{})
	keyNamesType      = newModelType("ISubscriptionKeyParameterNames", "Microsoft.ApiManagement.ISubscriptionKeyParameterNames", keyNames{})
)

type gatewayInfo struct {
	ID        string
	IsManaged bool
}

type keyNames struct{ Header, Query string }

// getter builds a read-only property from a typed accessor.
func getter[T any](name string, t *dotnet.Type, get func(T) any) *dotnet.Prop {
	return &dotnet.Prop{Name: name, Type: t, Get: func(r any) (any, error) { return get(r.(T)), nil }}
}

func method(name string, result *dotnet.Type, fn func(recv any, args []any) (any, error), params ...dotnet.Param) *dotnet.Method {
	return &dotnet.Method{Name: name, Params: params, Result: result, Fn: fn}
}

func param(name string, t *dotnet.Type) dotnet.Param { return dotnet.Param{Name: name, Type: t} }

func optParam(name string, t *dotnet.Type, def any) dotnet.Param {
	return dotnet.Param{Name: name, Type: t, Optional: true, Default: def}
}

func outParam(name string, t *dotnet.Type) dotnet.Param {
	return dotnet.Param{Name: name, Type: t, Out: true}
}

func orNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

func init() {
	strArr := dotnet.ArrayOf(dotnet.String)
	for _, t := range []*dotnet.Type{ContextType, RequestType, ResponseType, URLType, APIType, OperationType, GroupType,
		ProductType, SubscriptionType, UserType, DeploymentType, LastErrorType, WorkspaceType, BodyType, HeadersType,
		QueryType, StringMapType, VariablesType, AnonType, AuthorizationType, gatewayType, keyNamesType} {
		dotnet.Register(t)
	}
	for _, t := range []*dotnet.Type{HeadersType, QueryType, StringMapType, VariablesType} {
		t.Ifaces = []*dotnet.Type{dotnet.IEnumerable}
	}
	HeadersType.Args = []*dotnet.Type{dotnet.String, strArr}
	QueryType.Args = []*dotnet.Type{dotnet.String, strArr}
	StringMapType.Args = []*dotnet.Type{dotnet.String, dotnet.String}
	VariablesType.Args = []*dotnet.Type{dotnet.String, dotnet.Object}

	dateT := dotnet.Lookup("DateTime")
	timeSpanT := dotnet.Lookup("TimeSpan")
	guidT := dotnet.Lookup("Guid")

	ContextType.AddProp(
		getter("Api", APIType, func(c *Context) any { return orNil(c.API) }),
		getter("Deployment", DeploymentType, func(c *Context) any { return orNil(c.Deployment) }),
		getter("LastError", LastErrorType, func(c *Context) any { return orNil(c.LastError) }),
		getter("Operation", OperationType, func(c *Context) any { return orNil(c.Operation) }),
		getter("Product", ProductType, func(c *Context) any { return orNil(c.Product) }),
		getter("Request", RequestType, func(c *Context) any { return orNil(c.Request) }),
		getter("Response", ResponseType, func(c *Context) any { return orNil(c.Response) }),
		getter("Subscription", SubscriptionType, func(c *Context) any { return orNil(c.Subscription) }),
		getter("User", UserType, func(c *Context) any { return orNil(c.User) }),
		getter("Variables", VariablesType, func(c *Context) any { return orNil(c.Variables) }),
		getter("Workspace", WorkspaceType, func(c *Context) any { return orNil(c.Workspace) }),
		getter("RequestId", guidT, func(c *Context) any { return c.RequestID }),
		getter("Timestamp", dateT, func(c *Context) any { return c.Timestamp }),
		getter("Tracing", dotnet.Boolean, func(c *Context) any { return c.Tracing }),
		getter("GraphQL", GraphQLType, graphqlOf),
		getter("Elapsed", timeSpanT, func(c *Context) any {
			now := time.Now
			if c.Now != nil {
				now = c.Now
			}
			return dotnet.TimeSpan(now().Sub(c.Timestamp.T) / 100)
		}),
	)
	ContextType.AddMethod(method("Trace", dotnet.Void, func(r any, a []any) (any, error) {
		if c := r.(*Context); c.TraceFn != nil {
			c.TraceFn(dotnet.ToString(a[0]))
		}
		return nil, nil
	}, param("message", dotnet.String)))

	RequestType.AddProp(
		getter("Method", dotnet.String, func(r *Request) any { return r.Method }),
		getter("Url", URLType, func(r *Request) any { return orNil(r.URL) }),
		getter("OriginalUrl", URLType, func(r *Request) any { return orNil(r.OriginalURL) }),
		getter("Headers", HeadersType, func(r *Request) any { return orNil(r.Headers) }),
		getter("Body", BodyType, func(r *Request) any { return orNil(r.Body) }),
		getter("IpAddress", dotnet.String, func(r *Request) any { return r.IPAddress }),
		getter("MatchedParameters", StringMapType, func(r *Request) any { return orNil(r.MatchedParameters) }),
		getter("Certificate", cryptography.X509Certificate2T, func(r *Request) any { return orNil(r.Certificate) }),
		getter("PrivateEndpointConnection", dotnet.Object, func(*Request) any { return nil }),
		getter("AzureVnetInfo", dotnet.Object, func(*Request) any { return nil }),
	)
	ResponseType.AddProp(
		getter("StatusCode", dotnet.Int32, func(r *Response) any { return r.StatusCode }),
		getter("StatusReason", dotnet.String, func(r *Response) any { return r.StatusReason }),
		getter("Headers", HeadersType, func(r *Response) any { return orNil(r.Headers) }),
		getter("Body", BodyType, func(r *Response) any { return orNil(r.Body) }),
	)
	URLType.AddProp(
		getter("Scheme", dotnet.String, func(u *URL) any { return u.Scheme }),
		getter("Host", dotnet.String, func(u *URL) any { return u.Host }),
		getter("Port", dotnet.Int32, func(u *URL) any { return u.Port }),
		getter("Path", dotnet.String, func(u *URL) any { return u.Path }),
		getter("Query", QueryType, func(u *URL) any { return orNil(u.Query) }),
		getter("QueryString", dotnet.String, func(u *URL) any { return u.QueryString() }),
	)
	URLType.AddMethod(method("ToString", dotnet.String, func(r any, _ []any) (any, error) { return r.(*URL).String(), nil }))

	APIType.AddProp(
		getter("Id", dotnet.String, func(a *API) any { return a.ID }),
		getter("Name", dotnet.String, func(a *API) any { return a.Name }),
		getter("Path", dotnet.String, func(a *API) any { return a.Path }),
		getter("Revision", dotnet.String, func(a *API) any { return a.Revision }),
		getter("Version", dotnet.String, func(a *API) any { return a.Version }),
		getter("IsCurrentRevision", dotnet.Boolean, func(a *API) any { return a.IsCurrentRevision }),
		getter("Protocols", dotnet.ArrayOf(dotnet.String), func(a *API) any { return a.Protocols }),
		getter("ServiceUrl", URLType, func(a *API) any { return orNil(a.ServiceURL) }),
		getter("SubscriptionKeyParameterNames", keyNamesType, func(a *API) any {
			k := keyNames{Header: a.SubscriptionKeyHeader, Query: a.KeyQueryParam}
			if k.Header == "" {
				k.Header = "Ocp-Apim-Subscription-Key"
			}
			if k.Query == "" {
				k.Query = "subscription-key"
			}
			return k
		}),
	)
	keyNamesType.AddProp(
		getter("Header", dotnet.String, func(k keyNames) any { return k.Header }),
		getter("Query", dotnet.String, func(k keyNames) any { return k.Query }),
	)
	OperationType.AddProp(
		getter("Id", dotnet.String, func(o *Operation) any { return o.ID }),
		getter("Method", dotnet.String, func(o *Operation) any { return o.Method }),
		getter("Name", dotnet.String, func(o *Operation) any { return o.Name }),
		getter("UrlTemplate", dotnet.String, func(o *Operation) any { return o.URLTemplate }),
	)
	GroupType.AddProp(
		getter("Id", dotnet.String, func(g *Group) any { return g.ID }),
		getter("Name", dotnet.String, func(g *Group) any { return g.Name }),
	)
	ProductType.AddProp(
		getter("Id", dotnet.String, func(p *Product) any { return p.ID }),
		getter("Name", dotnet.String, func(p *Product) any { return p.Name }),
		getter("State", dotnet.String, func(p *Product) any { return p.State }),
		getter("ApprovalRequired", dotnet.Boolean, func(p *Product) any { return p.ApprovalRequired }),
		getter("SubscriptionRequired", dotnet.Boolean, func(p *Product) any { return p.SubscriptionRequired }),
		getter("SubscriptionLimit", dotnet.NullableOf(dotnet.Int32), func(p *Product) any {
			if p.SubscriptionLimit == nil {
				return nil
			}
			return *p.SubscriptionLimit
		}),
		getter("Groups", dotnet.ArrayOf(GroupType), func(p *Product) any { return p.Groups }),
		getter("Apis", dotnet.ArrayOf(APIType), func(p *Product) any { return p.APIs }),
	)
	optDate := func(d *dotnet.DateTime) any {
		if d == nil {
			return nil
		}
		return *d
	}
	SubscriptionType.AddProp(
		getter("Id", dotnet.String, func(s *Subscription) any { return s.ID }),
		getter("Name", dotnet.String, func(s *Subscription) any { return s.Name }),
		getter("Key", dotnet.String, func(s *Subscription) any { return s.Key }),
		getter("PrimaryKey", dotnet.String, func(s *Subscription) any { return s.PrimaryKey }),
		getter("SecondaryKey", dotnet.String, func(s *Subscription) any { return s.SecondaryKey }),
		getter("CreatedDate", dateT, func(s *Subscription) any { return s.CreatedDate }),
		getter("StartDate", dotnet.NullableOf(dateT), func(s *Subscription) any { return optDate(s.StartDate) }),
		getter("EndDate", dotnet.NullableOf(dateT), func(s *Subscription) any { return optDate(s.EndDate) }),
	)
	UserType.AddProp(
		getter("Id", dotnet.String, func(u *User) any { return u.ID }),
		getter("Email", dotnet.String, func(u *User) any { return u.Email }),
		getter("FirstName", dotnet.String, func(u *User) any { return u.FirstName }),
		getter("LastName", dotnet.String, func(u *User) any { return u.LastName }),
		getter("Note", dotnet.String, func(u *User) any { return u.Note }),
		getter("RegistrationDate", dateT, func(u *User) any { return u.RegistrationDate }),
		getter("Groups", dotnet.ArrayOf(GroupType), func(u *User) any { return u.Groups }),
		getter("Identities", dotnet.ArrayOf(dotnet.Object), func(u *User) any { return u.Identities }),
	)
	DeploymentType.AddProp(
		getter("GatewayId", dotnet.String, func(d *Deployment) any { return d.GatewayID }),
		getter("Region", dotnet.String, func(d *Deployment) any { return d.Region }),
		getter("ServiceId", dotnet.String, func(d *Deployment) any { return d.ServiceID }),
		getter("ServiceName", dotnet.String, func(d *Deployment) any { return d.ServiceName }),
		getter("Gateway", gatewayType, func(d *Deployment) any { return gatewayInfo{ID: d.GatewayID, IsManaged: d.IsManaged} }),
		getter("Certificates", dotnet.Object, func(d *Deployment) any { return nil }),
	)
	gatewayType.AddProp(
		getter("Id", dotnet.String, func(g gatewayInfo) any { return g.ID }),
		getter("IsManaged", dotnet.Boolean, func(g gatewayInfo) any { return g.IsManaged }),
	)
	LastErrorType.AddProp(
		getter("Source", dotnet.String, func(e *LastError) any { return e.Source }),
		getter("Reason", dotnet.String, func(e *LastError) any { return e.Reason }),
		getter("Message", dotnet.String, func(e *LastError) any { return e.Message }),
		getter("Scope", dotnet.String, func(e *LastError) any { return e.Scope }),
		getter("Section", dotnet.String, func(e *LastError) any { return e.Section }),
		getter("Path", dotnet.String, func(e *LastError) any { return e.Path }),
		getter("PolicyId", dotnet.String, func(e *LastError) any { return e.PolicyID }),
	)
	WorkspaceType.AddProp(
		getter("Id", dotnet.String, func(w *Workspace) any { return w.ID }),
		getter("Name", dotnet.String, func(w *Workspace) any { return w.Name }),
	)
	AuthorizationType.AddProp(
		getter("AccessToken", dotnet.String, func(a *Authorization) any { return a.AccessToken }),
		getter("Claims", VariablesType, func(a *Authorization) any { return orNil(a.Claims) }),
	)
	declareBody()
	declareDictionaries(strArr)
}

// QueryString is the raw query with its leading "?", empty when none.
func (u *URL) QueryString() string {
	if u.Query == nil || len(u.Query.Names) == 0 {
		return ""
	}
	return "?" + u.Query.Encode()
}

// String renders the absolute URL.
func (u *URL) String() string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	if u.Port != 0 && !((u.Scheme == "http" && u.Port == 80) || (u.Scheme == "https" && u.Port == 443)) {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(int(u.Port)))
	}
	b.WriteString(u.Path)
	b.WriteString(u.QueryString())
	return b.String()
}

// parseBodyAs parses body text as T through the registered static Parse of
// the JSON and XML types.
func parseBodyAs(t *dotnet.Type, data []byte) (any, error) {
	switch t.Name {
	case "String":
		return string(data), nil
	case "Byte":
	}
	if t.Generic == dotnet.Array && t.Arg(0) == dotnet.Byte {
		return append([]byte(nil), data...), nil
	}
	parseWith := t.Name
	switch t.Name {
	case "XNode", "XContainer":
		parseWith = "XElement"
	}
	pt := dotnet.Lookup(parseWith)
	if pt == nil || len(pt.Static["Parse"]) == 0 {
		return nil, dotnet.Throw("System.NotSupportedException", "body cannot be read as '%s'", t)
	}
	for _, m := range pt.Static["Parse"] {
		if len(m.Params) == 1 {
			return m.Fn(nil, []any{string(data)})
		}
	}
	return nil, dotnet.Throw("System.NotSupportedException", "body cannot be read as '%s'", t)
}

func declareBody() {
	asFn := func(r any, a []any) (any, error) {
		t := a[0].(*dotnet.Type)
		preserve, _ := a[1].(bool)
		data, err := r.(*Body).read(preserve)
		if err != nil {
			return nil, err
		}
		return parseBodyAs(t, data)
	}
	BodyType.AddMethod(&dotnet.Method{
		Name: "As", TypeParams: 1, Params: []dotnet.Param{optParam("preserveContent", dotnet.Boolean, false)},
		ResultOf: func(_ *dotnet.Type, ta []*dotnet.Type) *dotnet.Type { return ta[0] },
		Fn:       asFn,
		FnB: func(b *dotnet.Budget, r any, a []any) (any, error) {
			if r != nil {
				if err := b.Alloc(parsedBodyBytes(a[0].(*dotnet.Type), r.(*Body))); err != nil {
					return nil, err
				}
			}
			if target, ok := jsonParseTargets[a[0].(*dotnet.Type)]; ok {
				preserve, _ := a[1].(bool)
				data, err := r.(*Body).read(preserve)
				if err != nil {
					return nil, err
				}
				return dotnet.ParseJSONWithin(b, string(data), target)
			}
			return asFn(r, a)
		},
	})
	BodyType.AddMethod(method("AsFormUrlEncodedContent", formType, func(r any, a []any) (any, error) {
		preserve, _ := a[0].(bool)
		data, err := r.(*Body).read(preserve)
		if err != nil {
			return nil, err
		}
		return parseForm(string(data)), nil
	}, optParam("preserveContent", dotnet.Boolean, false)))
}

func declareDictionaries(strArr *dotnet.Type) {
	// Headers and query: IReadOnlyDictionary<string, string[]>.
	hv := func(r any, name string) ([]string, bool) {
		switch d := r.(type) {
		case *Headers:
			return d.Values(name)
		case *Query:
			v, ok := d.Values[name]
			if !ok {
				for k, vs := range d.Values {
					if strings.EqualFold(k, name) {
						return vs, true
					}
				}
			}
			return v, ok
		}
		return nil, false
	}
	count := func(r any) int {
		switch d := r.(type) {
		case *Headers:
			return len(d.H)
		case *Query:
			return len(d.Names)
		}
		return 0
	}
	keys := func(r any) []string {
		switch d := r.(type) {
		case *Headers:
			return d.keys()
		case *Query:
			return append([]string(nil), d.Names...)
		}
		return nil
	}
	for _, t := range []*dotnet.Type{HeadersType, QueryType} {
		t.AddMethod(
			method("GetValueOrDefault", dotnet.String, func(r any, a []any) (any, error) {
				v, ok := hv(r, dotnet.ToString(a[0]))
				if !ok {
					return a[1], nil
				}
				return strings.Join(v, ","), nil
			}, param("name", dotnet.String), optParam("defaultValue", dotnet.String, nil)),
			method("ContainsKey", dotnet.Boolean, func(r any, a []any) (any, error) {
				_, ok := hv(r, dotnet.ToString(a[0]))
				return ok, nil
			}, param("key", dotnet.String)),
			method("TryGetValue", dotnet.Boolean, func(r any, a []any) (any, error) {
				v, ok := hv(r, dotnet.ToString(a[0]))
				if ok {
					*a[1].(*any) = v
				} else {
					*a[1].(*any) = nil
				}
				return ok, nil
			}, param("key", dotnet.String), outParam("value", strArr)),
		)
		t.Indexers = []*dotnet.Method{method("get_Item", strArr, func(r any, a []any) (any, error) {
			v, ok := hv(r, dotnet.ToString(a[0]))
			if !ok {
				return nil, dotnet.KeyNotFound(a[0])
			}
			return v, nil
		}, param("key", dotnet.String))}
		t.AddProp(
			&dotnet.Prop{Name: "Count", Type: dotnet.Int32, Get: func(r any) (any, error) { return int32(count(r)), nil }},
			&dotnet.Prop{Name: "Keys", Type: dotnet.ArrayOf(dotnet.String), Get: func(r any) (any, error) { return keys(r), nil }},
			&dotnet.Prop{Name: "Values", Type: dotnet.ArrayOf(strArr), Get: func(r any) (any, error) {
				var out []any
				for _, k := range keys(r) {
					v, _ := hv(r, k)
					out = append(out, v)
				}
				return out, nil
			}},
		)
	}

	// MatchedParameters: IReadOnlyDictionary<string, string>.
	sm := StringMapType
	sm.AddMethod(
		method("GetValueOrDefault", dotnet.String, func(r any, a []any) (any, error) {
			if v, ok := r.(*StringMap).get(dotnet.ToString(a[0])); ok {
				return v, nil
			}
			return a[1], nil
		}, param("name", dotnet.String), optParam("defaultValue", dotnet.String, nil)),
		method("ContainsKey", dotnet.Boolean, func(r any, a []any) (any, error) {
			_, ok := r.(*StringMap).get(dotnet.ToString(a[0]))
			return ok, nil
		}, param("key", dotnet.String)),
		method("TryGetValue", dotnet.Boolean, func(r any, a []any) (any, error) {
			v, ok := r.(*StringMap).get(dotnet.ToString(a[0]))
			if ok {
				*a[1].(*any) = v
			} else {
				*a[1].(*any) = nil
			}
			return ok, nil
		}, param("key", dotnet.String), outParam("value", dotnet.String)),
	)
	sm.Indexers = []*dotnet.Method{method("get_Item", dotnet.String, func(r any, a []any) (any, error) {
		v, ok := r.(*StringMap).get(dotnet.ToString(a[0]))
		if !ok {
			return nil, dotnet.KeyNotFound(a[0])
		}
		return v, nil
	}, param("key", dotnet.String))}
	sm.AddProp(
		&dotnet.Prop{Name: "Count", Type: dotnet.Int32, Get: func(r any) (any, error) { return int32(len(r.(*StringMap).Names)), nil }},
		&dotnet.Prop{Name: "Keys", Type: dotnet.ArrayOf(dotnet.String), Get: func(r any) (any, error) { return append([]string(nil), r.(*StringMap).Names...), nil }},
	)

	// Variables: IReadOnlyDictionary<string, object> with GetValueOrDefault<T>.
	vt := VariablesType
	getVar := func(r any, name any) (any, bool) { return r.(*Variables).Get(dotnet.ToString(name)) }
	typedGet := func(r any, a []any) (any, error) {
		t := a[0].(*dotnet.Type)
		v, ok := getVar(r, a[1])
		if !ok {
			if len(a) > 2 {
				return a[2], nil
			}
			return zeroValue(t), nil
		}
		if v == nil || t == dotnet.Object || dotnet.IsInstance(v, t) {
			return v, nil
		}
		if t.Nullable && dotnet.IsInstance(v, t.Arg(0)) {
			return v, nil
		}
		// The docs say GetValueOrDefault<T> throws when the stored type differs.
		return nil, dotnet.InvalidCast(dotnet.TypeOf(v).FullNameOrArray(), t.FullNameOrArray())
	}
	first := func(_ *dotnet.Type, ta []*dotnet.Type) *dotnet.Type { return ta[0] }
	vt.AddMethod(
		&dotnet.Method{Name: "GetValueOrDefault", TypeParams: 1, Params: []dotnet.Param{param("name", dotnet.String)}, ResultOf: first, Fn: typedGet},
		&dotnet.Method{Name: "GetValueOrDefault", TypeParams: 1, Params: []dotnet.Param{param("name", dotnet.String), param("defaultValue", nil)}, ResultOf: first, Fn: typedGet},
		method("ContainsKey", dotnet.Boolean, func(r any, a []any) (any, error) {
			_, ok := getVar(r, a[0])
			return ok, nil
		}, param("key", dotnet.String)),
		method("TryGetValue", dotnet.Boolean, func(r any, a []any) (any, error) {
			v, ok := getVar(r, a[0])
			*a[1].(*any) = v
			return ok, nil
		}, param("key", dotnet.String), outParam("value", dotnet.Object)),
	)
	vt.Indexers = []*dotnet.Method{method("get_Item", dotnet.Object, func(r any, a []any) (any, error) {
		v, ok := getVar(r, a[0])
		if !ok {
			return nil, dotnet.KeyNotFound(a[0])
		}
		return v, nil
	}, param("key", dotnet.String))}
	vt.AddProp(
		&dotnet.Prop{Name: "Count", Type: dotnet.Int32, Get: func(r any) (any, error) { return int32(len(r.(*Variables).names)), nil }},
		&dotnet.Prop{Name: "Keys", Type: dotnet.ArrayOf(dotnet.String), Get: func(r any) (any, error) { return append([]string(nil), r.(*Variables).names...), nil }},
	)
}

// parseForm decodes an application/x-www-form-urlencoded body into a
// Dictionary<string, IList<string>> (a missing key yields an empty list).
func parseForm(s string) any {
	q := ParseQuery(s)
	d := dotnet.NewDictionary(dotnet.String, dotnet.Instantiate(dotnet.ListT, dotnet.String), nil)
	d.Missing = func() any { return dotnet.NewList(dotnet.String) }
	for _, k := range q.Names {
		items := make([]any, len(q.Values[k]))
		for i, v := range q.Values[k] {
			items[i] = v
		}
		d.Set(k, dotnet.NewList(dotnet.String, items...))
	}
	return d
}

// ToJToken serializes the anonymous object as a JObject, members in order.
func (o *AnonObject) ToJToken() (dotnet.JToken, error) {
	obj := dotnet.NewJObject()
	for i, n := range o.Names {
		v, err := dotnet.JSONFromObject(o.Values[i])
		if err != nil {
			return nil, err
		}
		if err := dotnet.JSONSetIndex(obj, n, v); err != nil {
			return nil, err
		}
	}
	return obj, nil
}
