package gateway

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

const benchQuery = `{"query":"{ users(limit: 2) { id name orders { id total } } }"}`

// BenchmarkGraphQLSyntheticQuery sends a query resolved by three data
// source calls (a list, then a nested field per item) through the gateway.
// Compare with BenchmarkGraphQLBaselineRESTCalls, the same three calls
// made directly by a client: the difference is the gateway's work (parse,
// validate, execute, three resolver pipelines, the result's JSON).
func BenchmarkGraphQLSyntheticQuery(b *testing.B) {
	be := newGraphQLBackend(b)
	srv, _ := graphqlGateway(b, be.URL)
	client := srv.Client()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(srv.URL+"/gql", "application/json", strings.NewReader(benchQuery))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"2-b"`) {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
		be.take()
	}
}

// BenchmarkGraphQLBaselineRESTCalls is the baseline: one client round trip
// to the gateway is replaced by the three REST calls themselves.
func BenchmarkGraphQLBaselineRESTCalls(b *testing.B) {
	be := newGraphQLBackend(b)
	client := be.Client()
	get := func(path string) []map[string]any {
		resp, err := client.Get(be.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out []map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	b.ReportAllocs()
	for b.Loop() {
		users := get("/users?limit=2")
		for _, u := range users {
			u["orders"] = get("/users/" + benchJSON(u["id"]) + "/orders")
		}
		if _, err := json.Marshal(users); err != nil || len(users) != 2 {
			b.Fatal(err)
		}
		be.take()
	}
}

func benchJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
