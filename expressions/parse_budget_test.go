package expressions

import (
	"strings"
	"testing"
	"time"

	"github.com/policygate/policygate/expressions/dotnet"
)

// bigJSON is a JSON array of n small objects.
func bigJSON(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(`{"a":1,"b":"x"},`, n), ",") + "]"
}

// TestJSONParseObservesTheTimeBudget checks that parsing JSON in an
// expression checks the evaluation's deadline itself: with a deadline that
// has passed by the time the parse starts, a short expression whose only
// work is one parse fails with the budget error (before, the budget was
// only checked between interpreter steps, and the parse ran to its end).
func TestJSONParseObservesTheTimeBudget(t *testing.T) {
	doc := bigJSON(20000)
	for _, src := range []string{
		`@(JArray.Parse((string)context.Variables["doc"]).Count)`,
		`@(JToken.Parse((string)context.Variables["doc"]).Type.ToString())`,
		`@(JObject.Parse("{\"d\":" + (string)context.Variables["doc"] + "}").Count)`,
		`@(context.Request.Body.As<JArray>(preserveContent: true).Count)`,
		`@(((JArray)JsonConvert.DeserializeObject((string)context.Variables["doc"])).Count)`,
		`@(JsonConvert.DeserializeObject<JArray>((string)context.Variables["doc"]).Count)`,
		`@(JsonConvert.DeserializeObject<List<Dictionary<string, object>>>((string)context.Variables["doc"]).Count)`,
	} {
		p, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		c := testContext()
		c.Variables.Set("doc", doc)
		c.Request.Body = NewBody([]byte(doc))
		if _, err := p.Eval(c); err != nil { // without a budget it parses
			t.Fatalf("%s: %v", src, err)
		}
		c.Budget = &dotnet.RequestBudget{Timeout: time.Nanosecond}
		_, err = p.Eval(c)
		wantBudgetError(t, err, "time budget")
	}
}
