package policies

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

func TestExternalCacheValueTypes(t *testing.T) {
	obj, err := dotnet.ParseJSON(`{"a":[1,"x",{"b":null}],"c":true}`, dotnet.ParseJToken)
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"text", "", true, int32(-7), int64(1) << 40, 2.5, []byte{0, 1, 255}, dotnet.Char('é'),
		dotnet.TimeSpan(90 * time.Second), dotnet.Guid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, nil}
	for _, v := range values {
		b, ok := encodeValue(v)
		if !ok {
			t.Errorf("%T %v: not encodable", v, v)
			continue
		}
		got, ok := decodeValue(b)
		if !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%T %v: decoded %T %v (%v)", v, v, got, got, ok)
		}
	}
	b, _ := encodeValue(obj)
	got, ok := decodeValue(b)
	tok, isTok := got.(dotnet.JToken)
	if !ok || !isTok || dotnet.JSONString(tok, dotnet.FormattingNone) != `{"a":[1,"x",{"b":null}],"c":true}` {
		t.Errorf("JObject: decoded %v (%v)", got, ok)
	}
	if _, ok := encodeValue(struct{}{}); ok {
		t.Error("a type the external cache cannot carry was encoded")
	}
	if _, ok := decodeValue([]byte("not json")); ok {
		t.Error("garbage decoded")
	}
}

func TestExternalCacheResponse(t *testing.T) {
	cr := &cachedResponse{status: 203, reason: "Non-Authoritative", header: http.Header{"X-A": {"1", "2"}}, body: []byte("body")}
	got, ok := decodeResponse(encodeResponse(cr))
	if !ok || !reflect.DeepEqual(got, cr) {
		t.Fatalf("decoded %+v (%v), want %+v", got, ok, cr)
	}
	if _, ok := decodeResponse([]byte(`{"t":"string","v":"x"}`)); ok {
		t.Fatal("a value decoded as a response")
	}
}
