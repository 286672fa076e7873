package policies

import (
	"encoding/json"
	"net/http"

	"github.com/policygate/policygate/expressions/dotnet"
)

// External caches hold bytes: cached responses and cache-store-value
// values are encoded as tagged JSON, so a value read on another gateway
// keeps its .NET type.

type wireResponse struct {
	Status int32       `json:"s"`
	Reason string      `json:"r"`
	Header http.Header `json:"h"`
	Body   []byte      `json:"b"`
}

func encodeResponse(cr *cachedResponse) []byte {
	b, _ := json.Marshal(wireResponse{cr.status, cr.reason, cr.header, cr.body})
	return b
}

func decodeResponse(b []byte) (*cachedResponse, bool) {
	var w wireResponse
	if json.Unmarshal(b, &w) != nil || w.Status == 0 {
		return nil, false
	}
	if w.Header == nil {
		w.Header = http.Header{}
	}
	return &cachedResponse{status: w.Status, reason: w.Reason, header: w.Header, body: w.Body}, true
}

type wireValue struct {
	T string          `json:"t"`
	V json.RawMessage `json:"v"`
}

// encodeValue encodes a cache-store-value value; ok is false for types an
// external cache cannot carry (they stay in the built-in cache).
func encodeValue(v any) ([]byte, bool) {
	var t string
	var x any = v
	switch y := v.(type) {
	case nil:
		t = "null"
	case string:
		t = "string"
	case bool:
		t = "bool"
	case int32:
		t = "int32"
	case int64:
		t = "int64"
	case float64:
		t = "double"
	case []byte:
		t = "bytes"
	case dotnet.Char:
		t = "char"
	case dotnet.TimeSpan:
		t = "timespan"
	case dotnet.Guid:
		t, x = "guid", y[:]
	case dotnet.JToken:
		t, x = "json", dotnet.JSONString(y, dotnet.FormattingNone)
	default:
		return nil, false
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, false
	}
	b, _ := json.Marshal(wireValue{T: t, V: raw})
	return b, true
}

func decodeValue(b []byte) (any, bool) {
	var w wireValue
	if json.Unmarshal(b, &w) != nil {
		return nil, false
	}
	var err error
	switch w.T {
	case "null":
		return nil, true
	case "string":
		var s string
		err = json.Unmarshal(w.V, &s)
		return s, err == nil
	case "bool":
		var v bool
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "int32":
		var v int32
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "int64":
		var v int64
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "double":
		var v float64
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "bytes":
		var v []byte
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "char":
		var v dotnet.Char
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "timespan":
		var v dotnet.TimeSpan
		err = json.Unmarshal(w.V, &v)
		return v, err == nil
	case "guid":
		var v []byte
		var g dotnet.Guid
		if json.Unmarshal(w.V, &v) != nil || len(v) != len(g) {
			return nil, false
		}
		copy(g[:], v)
		return g, true
	case "json":
		var s string
		if json.Unmarshal(w.V, &s) != nil {
			return nil, false
		}
		t, err := dotnet.ParseJSON(s, dotnet.ParseJToken)
		return t, err == nil
	}
	return nil, false
}
