package policies

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogToEventHub(t *testing.T) {
	tests := []struct {
		name, policy string
		want         map[string]any
		absent       []string
	}{
		{
			name:   "expression message and partition key",
			policy: `<log-to-eventhub logger-id="contoso" partition-key="@(context.Request.Method)">@(string.Join(",", "a", context.Request.Method))</log-to-eventhub>`,
			want:   map[string]any{"msg": "log-to-eventhub", "level": "INFO", "logger-id": "contoso", "partition-key": "POST", "message": "a,POST"},
			absent: []string{"partition-id", "truncated"},
		},
		{
			name:   "literal keeps whitespace, partition id",
			policy: "<log-to-eventhub logger-id=\"l\" partition-id=\"1\">\n  line one\n</log-to-eventhub>",
			want:   map[string]any{"logger-id": "l", "partition-id": "1", "message": "\n  line one\n"},
			absent: []string{"partition-key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := convTestRun(Inbound, &buf)
			if err := convCompileOne(t, Inbound, tt.policy).Exec(r); err != nil {
				t.Fatal(err)
			}
			lines := convLogLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(lines))
			}
			for k, v := range tt.want {
				if lines[0][k] != v {
					t.Errorf("%s = %#v, want %#v", k, lines[0][k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := lines[0][k]; ok {
					t.Errorf("%s present", k)
				}
			}
		})
	}
}

func TestLogToEventHubTruncates(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Outbound, &buf)
	r.Ctx.Variables.Set("big", strings.Repeat("é", eventHubMaxMessage)) // 2 bytes each
	if err := convCompileOne(t, Outbound, `<log-to-eventhub logger-id="l">@((string)context.Variables["big"])</log-to-eventhub>`).Exec(r); err != nil {
		t.Fatal(err)
	}
	l := convLogLines(t, &buf)[0]
	msg, _ := l["message"].(string)
	if len(msg) != eventHubMaxMessage || msg != strings.Repeat("é", eventHubMaxMessage/2) || l["truncated"] != true {
		t.Errorf("message of %d bytes, truncated=%v; want %d bytes", len(msg), l["truncated"], eventHubMaxMessage)
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"aé", 2, "a", true},
		{"€€", 4, "€", true},
	}
	for _, tt := range tests {
		got, cut := truncateUTF8(tt.in, tt.n)
		if got != tt.want || cut != tt.cut {
			t.Errorf("truncateUTF8(%q, %d) = %q, %v; want %q, %v", tt.in, tt.n, got, cut, tt.want, tt.cut)
		}
	}
}

func TestLogToEventHubExpressionFailure(t *testing.T) {
	var buf bytes.Buffer
	r := convTestRun(Inbound, &buf)
	err := convCompileOne(t, Inbound, `<log-to-eventhub logger-id="l">@(((string)null).Trim())</log-to-eventhub>`).Exec(r)
	var f *Failure
	if !convErrorsAs(err, &f) || f.Err.Reason != ReasonExpression || f.Err.Source != "log-to-eventhub" {
		t.Fatalf("got %v, want an expression failure", err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged on failure: %s", buf.String())
	}
}
