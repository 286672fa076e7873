package gateway

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/policygate/policygate/gateway/apiops"
	"github.com/policygate/policygate/parser"
	"github.com/policygate/policygate/policies"
)

const graphqlSchema = `type Query {
  users(limit: Int): [User!]!
  user(id: ID!): User
  broken: [User]
  hello: String
  customer: Customer
}
union Customer = RegisteredCustomer | GuestCustomer
type RegisteredCustomer { customerId: Int!  accountType: String }
type GuestCustomer { firstName: String }
type Mutation { makeUser(name: String!): User }
type User { id: ID!  name: String!  orders: [Order] }
type Order { id: ID!  total: Float  status: Status }
enum Status { OPEN CLOSED }
`

// graphqlBackend is a REST data source on loopback that records the calls
// it gets.
type graphqlBackend struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string // "METHOD /path?query body"
}

func newGraphQLBackend(t testing.TB) *graphqlBackend {
	b := &graphqlBackend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		call := r.Method + " " + r.URL.RequestURI()
		if len(body) > 0 {
			call += " " + string(body)
		}
		b.calls = append(b.calls, call)
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/users":
			users := []map[string]any{{"id": 1, "username": "ann"}, {"id": 2, "username": "bob"}, {"id": 3, "username": "cy"}}
			if r.URL.Query().Get("limit") == "2" {
				users = users[:2]
			}
			json.NewEncoder(w).Encode(users)
		case strings.HasSuffix(r.URL.Path, "/orders"):
			id := strings.Split(r.URL.Path, "/")[2]
			w.Write([]byte(`[{"id":"` + id + `-a","total":12.5,"status":"OPEN"},{"id":"` + id + `-b","total":3,"status":"CLOSED"}]`))
		case r.URL.Path == "/base/hello":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hi there"))
		case r.URL.Path == "/users/9":
			w.Write([]byte(`{"id":"9"}`)) // no name: String! is violated
		case strings.HasPrefix(r.URL.Path, "/users/"):
			id := strings.TrimPrefix(r.URL.Path, "/users/")
			w.Write([]byte(`{"id":"` + id + `","name":"user ` + id + `"}`))
		case r.URL.Path == "/create" && r.Method == http.MethodPost:
			var in map[string]any
			json.Unmarshal(body, &in)
			json.NewEncoder(w).Encode(map[string]any{"id": "new", "name": in["name"]})
		default:
			http.Error(w, "not found", http.StatusNotFound)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *graphqlBackend) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.calls
	b.calls = nil
	return out
}

// closedURL is a loopback address nothing listens on.
func closedURL(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func writeFiles(t testing.TB, root string, files map[string]string) {
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func resolverFiles(api, name, path, policy string) map[string]string {
	dir := "apis/" + api + "/resolvers/" + name + "/"
	return map[string]string{
		dir + "resolverInformation.json": `{"properties": {"displayName": "` + name + `", "path": "` + path + `"}}`,
		dir + "policy.xml":               policy,
	}
}

// graphqlGateway serves an APIOps folder with a synthetic GraphQL API
// "gql" (managed resolvers) and "legacy" (set-graphql-resolver in its
// policy), both without a service URL.
func graphqlGateway(t testing.TB, be string, opts ...Option) (*httptest.Server, parser.Errors) {
	dir := t.TempDir()
	info := func(path string) string {
		return `{"properties": {"path": "` + path + `", "type": "graphql", "protocols": ["http"], "subscriptionRequired": false, "displayName": "` + path + `"}}`
	}
	files := map[string]string{
		"apis/gql/apiInformation.json":      info("gql"),
		"apis/gql/specification.graphql":    graphqlSchema,
		"apis/gql/policy.xml":               `<policies><inbound><base /><set-header name="x-in" exists-action="override"><value>seen</value></set-header></inbound><backend><base /></backend><outbound><base /><set-header name="x-out" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("x-in", ""))</value></set-header></outbound><on-error><base /></on-error></policies>`,
		"apis/legacy/apiInformation.json":   info("legacy"),
		"apis/legacy/specification.graphql": graphqlSchema,
		"apis/legacy/policy.xml": `<policies><inbound><base /></inbound><backend>
  <set-graphql-resolver parent-type="Query" field="user">
    <http-data-source><http-request><set-method>GET</set-method>
      <set-url>@{
        var id = context.Request.Body.As<JObject>(true)["arguments"]["id"];
        return $"` + be + `/users/{id}";
      }</set-url>
    </http-request></http-data-source>
  </set-graphql-resolver>
  <set-graphql-resolver parent-type="User" field="orders">
    <http-data-source><http-request><set-method>GET</set-method>
      <set-url>@("` + be + `/users/" + context.ParentResult.AsJObject()["id"].ToString() + "/orders")</set-url>
    </http-request></http-data-source>
  </set-graphql-resolver>
  <base />
</backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
	}
	for _, m := range []map[string]string{
		// a list, renamed by a liquid template in http-response (the
		// reference's example), with an argument in the URL
		resolverFiles("gql", "users", "Query/users", `<http-data-source>
    <http-request>
        <set-method>GET</set-method>
        <set-url>@("`+be+`/users" + (context.GraphQL.Arguments["limit"] == null ? "" : "?limit=" + context.GraphQL.Arguments["limit"].ToString()))</set-url>
    </http-request>
    <http-response>
        <set-body template="liquid">
            [
                {% JSONArrayFor elem in body %}
                    {
                        "id": "{{elem.id}}",
                        "name": "{{elem.username}}"
                    }
                {% endJSONArrayFor %}
            ]
        </set-body>
    </http-response>
</http-data-source>`),
		// a nested field using its parent
		resolverFiles("gql", "user-orders", "User/orders", `<http-data-source>
    <http-request>
        <set-method>GET</set-method>
        <set-url>@($"`+be+`/users/{context.GraphQL.Parent["id"]}/orders")</set-url>
    </http-request>
</http-data-source>`),
		resolverFiles("gql", "user", "Query/user", `<http-data-source>
    <http-request>
        <set-method>GET</set-method>
        <set-url>@($"`+be+`/users/{context.GraphQL.Arguments["id"]}")</set-url>
    </http-request>
    <backend><forward-request timeout="10" /></backend>
</http-data-source>`),
		resolverFiles("gql", "broken", "Query/broken", `<http-data-source>
    <http-request>
        <set-method>GET</set-method>
        <set-url>`+closedURL(t)+`/users</set-url>
    </http-request>
</http-data-source>`),
		// the reference's union example: the type comes from __typename
		resolverFiles("gql", "customer", "Query/customer", `<http-data-source>
    <http-request>
        <set-method>GET</set-method>
        <set-url>`+be+`/users/1</set-url>
    </http-request>
    <http-response>
        <set-body>{"customerId": 12345, "accountType": "Registered", "__typename": "RegisteredCustomer" }
        </set-body>
    </http-response>
</http-data-source>`),
		// a relative URL against set-backend-service; a text answer
		resolverFiles("gql", "hello", "Query/hello", `<http-data-source>
    <http-request>
        <set-backend-service base-url="`+be+`/base" />
        <set-url>/hello</set-url>
    </http-request>
</http-data-source>`),
		// the reference's mutation example (with its missing ';' added)
		resolverFiles("gql", "make-user", "Mutation/makeUser", `<http-data-source>
    <http-request>
        <set-method>POST</set-method>
        <set-url>`+be+`/create</set-url>
        <set-header name="Content-Type" exists-action="override">
            <value>application/json</value>
        </set-header>
        <set-body>@{
            var args = context.GraphQL.Arguments;
            JObject jsonObject = new JObject();
            jsonObject.Add("name", args["name"]);
            return jsonObject.ToString();
        }</set-body>
    </http-request>
</http-data-source>`),
	} {
		writeFiles(t, dir, m)
	}
	writeFiles(t, dir, files)
	cfg, errs := apiops.Load(dir)
	if cfg == nil {
		t.Fatalf("load: %v", errs)
	}
	g, warns := New(cfg, opts...)
	if g == nil {
		t.Fatalf("New: %v", warns)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, append(errs, warns...)
}

// gql posts a GraphQL request and decodes the answer.
func gql(t *testing.T, endpoint, query string, vars map[string]any) (int, http.Header, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(endpoint, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", query, err, data)
	}
	return resp.StatusCode, resp.Header, out
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSyntheticGraphQLResolvers(t *testing.T) {
	be := newGraphQLBackend(t)
	var logs lockedBuffer
	srv, warns := graphqlGateway(t, be.URL, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	for _, w := range warns {
		if w.Code == parser.CodeNotImplemented {
			t.Errorf("unexpected not-supported warning: %v", w)
		}
	}
	endpoint := srv.URL + "/gql"

	t.Run("list and nested field through two resolvers", func(t *testing.T) {
		status, h, out := gql(t, endpoint, `{ users(limit: 2) { id name orders { id total status } } }`, nil)
		want := jsonOf(t, `{"data":{"users":[
			{"id":"1","name":"ann","orders":[{"id":"1-a","total":12.5,"status":"OPEN"},{"id":"1-b","total":3,"status":"CLOSED"}]},
			{"id":"2","name":"bob","orders":[{"id":"2-a","total":12.5,"status":"OPEN"},{"id":"2-b","total":3,"status":"CLOSED"}]}]}}`)
		if status != 200 || !reflect.DeepEqual(any(out), want) {
			t.Errorf("status %d, body %v\nwant %v", status, out, want)
		}
		if got := be.take(); !reflect.DeepEqual(got, []string{"GET /users?limit=2", "GET /users/1/orders", "GET /users/2/orders"}) {
			t.Errorf("backend calls %q", got)
		}
		if h.Get("x-out") != "seen" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("the API's inbound and outbound must run around the resolvers: x-out %q, Content-Type %q", h.Get("x-out"), h.Get("Content-Type"))
		}
	})

	t.Run("arguments, variables, aliases and __typename", func(t *testing.T) {
		_, _, out := gql(t, endpoint, `query Q($id: ID!) { first: user(id: $id) { __typename name } second: user(id: "7") { id } hello }`, map[string]any{"id": "5"})
		want := jsonOf(t, `{"data":{"first":{"__typename":"User","name":"user 5"},"second":{"id":"7"},"hello":"hi there"}}`)
		if !reflect.DeepEqual(any(out), want) {
			t.Errorf("got %v\nwant %v", out, want)
		}
		if got := be.take(); !reflect.DeepEqual(got, []string{"GET /users/5", "GET /users/7", "GET /base/hello"}) {
			t.Errorf("backend calls %q", got)
		}
	})

	t.Run("fragments, directives and a union", func(t *testing.T) {
		_, _, out := gql(t, endpoint, `query($more: Boolean!) {
			customer { __typename ... on RegisteredCustomer { customerId } ... on GuestCustomer { firstName } }
			user(id: "8") { ...U id @skip(if: true) }
		}
		fragment U on User { name orders @include(if: $more) { id } }`, map[string]any{"more": false})
		want := jsonOf(t, `{"data":{"customer":{"__typename":"RegisteredCustomer","customerId":12345},"user":{"name":"user 8"}}}`)
		if !reflect.DeepEqual(any(out), want) {
			t.Errorf("got %v\nwant %v", out, want)
		}
		if got := be.take(); !reflect.DeepEqual(got, []string{"GET /users/1", "GET /users/8"}) {
			t.Errorf("backend calls %q (a skipped field must not be resolved)", got)
		}
		_, _, out = gql(t, endpoint, `{ __schema { types { name } } }`, nil)
		if errs, _ := out["errors"].([]any); len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), "Introspection is not supported") {
			t.Errorf("introspection: %v", out)
		}
	})

	t.Run("GET with query and variables parameters", func(t *testing.T) {
		q := url.Values{"query": {`query($id: ID!) { user(id: $id) { name } }`}, "variables": {`{"id":"3"}`}}
		r := call(t, "GET", endpoint+"?"+q.Encode(), nil, "")
		if r.status != 200 || !reflect.DeepEqual(jsonOf(t, r.body), jsonOf(t, `{"data":{"user":{"name":"user 3"}}}`)) {
			t.Errorf("%d %s", r.status, r.body)
		}
		be.take()
	})

	t.Run("application/graphql body", func(t *testing.T) {
		r := call(t, "POST", endpoint, map[string]string{"Content-Type": "application/graphql"}, `{ user(id: "6") { name } }`)
		if r.status != 200 || !reflect.DeepEqual(jsonOf(t, r.body), jsonOf(t, `{"data":{"user":{"name":"user 6"}}}`)) {
			t.Errorf("%d %s", r.status, r.body)
		}
		be.take()
	})

	t.Run("mutation body built from context.GraphQL.Arguments", func(t *testing.T) {
		_, _, out := gql(t, endpoint, `mutation { makeUser(name: "dee") { id name } }`, nil)
		if !reflect.DeepEqual(any(out), jsonOf(t, `{"data":{"makeUser":{"id":"new","name":"dee"}}}`)) {
			t.Errorf("got %v", out)
		}
		got := be.take()
		if len(got) != 1 || !strings.HasPrefix(got[0], "POST /create ") || !reflect.DeepEqual(jsonOf(t, strings.TrimPrefix(got[0], "POST /create ")), jsonOf(t, `{"name":"dee"}`)) {
			t.Errorf("backend calls %q", got)
		}
	})

	t.Run("invalid query is a GraphQL error body", func(t *testing.T) {
		status, _, out := gql(t, endpoint, "{\n  users { nope }\n}", nil)
		errs, _ := out["errors"].([]any)
		if _, hasData := out["data"]; status != 200 || hasData || len(errs) != 1 {
			t.Fatalf("status %d, body %v", status, out)
		}
		e := errs[0].(map[string]any)
		if e["message"] != `Cannot query field "nope" on type "User". Did you mean "name"?` || !reflect.DeepEqual(e["locations"], jsonOf(t, `[{"line":2,"column":11}]`)) {
			t.Errorf("error %v", e)
		}
		if got := be.take(); len(got) != 0 {
			t.Errorf("an invalid query called the data source: %q", got)
		}
		status, _, out = gql(t, endpoint, "{ users(", nil)
		if errs, _ := out["errors"].([]any); status != 200 || len(errs) != 1 || out["data"] != nil {
			t.Errorf("a query that does not parse: %d %v", status, out)
		}
	})

	t.Run("failing data source is a field error with its path", func(t *testing.T) {
		_, _, out := gql(t, endpoint, `{ broken { id } users(limit: 2) { id } }`, nil)
		data, _ := out["data"].(map[string]any)
		errs, _ := out["errors"].([]any)
		if data == nil || data["broken"] != nil || !reflect.DeepEqual(data["users"], jsonOf(t, `[{"id":"1"},{"id":"2"}]`)) || len(errs) != 1 {
			t.Fatalf("body %v", out)
		}
		e := errs[0].(map[string]any)
		if !reflect.DeepEqual(e["path"], []any{"broken"}) || e["message"] != "The resolver's forward-request failed (BackendConnectionFailure)." ||
			!reflect.DeepEqual(e["locations"], jsonOf(t, `[{"line":1,"column":3}]`)) {
			t.Errorf("error %v", e)
		}
		if l := logs.String(); !strings.Contains(l, `msg="graphql resolver failed" field=Query/broken path=broken`) || !strings.Contains(l, "connection refused") {
			t.Errorf("the cause must be logged:\n%s", l)
		}
		be.take()
	})

	t.Run("null in a non-null field propagates to the parent", func(t *testing.T) {
		_, _, out := gql(t, endpoint, `{ user(id: "9") { id name } }`, nil)
		errs, _ := out["errors"].([]any)
		if !reflect.DeepEqual(out["data"], jsonOf(t, `{"user":null}`)) || len(errs) != 1 ||
			!reflect.DeepEqual(errs[0].(map[string]any)["path"], []any{"user", "name"}) {
			t.Errorf("body %v", out)
		}
		be.take()
	})

	t.Run("resolver calls are bounded", func(t *testing.T) {
		defer func(n int) { policies.MaxResolverCalls = n }(policies.MaxResolverCalls)
		policies.MaxResolverCalls = 2
		_, _, out := gql(t, endpoint, `{ users(limit: 2) { id orders { id } } }`, nil)
		errs, _ := out["errors"].([]any)
		if len(errs) != 1 || !reflect.DeepEqual(errs[0].(map[string]any)["path"], []any{"users", float64(1), "orders"}) ||
			!strings.Contains(errs[0].(map[string]any)["message"].(string), "more than 2 resolver calls") {
			t.Errorf("body %v", out)
		}
		if got := be.take(); len(got) != 2 {
			t.Errorf("backend calls %q", got)
		}
	})

	t.Run("preview set-graphql-resolver with ParentResult and arguments in the body", func(t *testing.T) {
		_, _, out := gql(t, srv.URL+"/legacy", `{ user(id: "4") { name orders { id } } }`, nil)
		want := jsonOf(t, `{"data":{"user":{"name":"user 4","orders":[{"id":"4-a"},{"id":"4-b"}]}}}`)
		if !reflect.DeepEqual(any(out), want) {
			t.Errorf("got %v\nwant %v", out, want)
		}
		if got := be.take(); !reflect.DeepEqual(got, []string{"GET /users/4", "GET /users/4/orders"}) {
			t.Errorf("backend calls %q (the initial {\"arguments\"} body must not be sent)", got)
		}
	})
}
