package policies

import (
	"log/slog"
	"unicode/utf8"

	"github.com/policygate/policygate/parser"
)

// log-to-eventhub sends a message to an Event Hub logger:
//
//	<log-to-eventhub logger-id="contoso-logger" partition-id="0" | partition-key="@(...)">
//	    @(string.Join(",", DateTime.UtcNow, context.RequestId))
//	</log-to-eventhub>
//
// There is no Event Hub here: the message is written to the log as one
// Info line "log-to-eventhub" with the attributes logger-id, partition-id
// or partition-key (when set) and message. Literal text keeps its
// whitespace (spec pipeline.md §7). Messages longer than 200 KB are cut to
// 200 KB (on a UTF-8 boundary) as APIM does, and the line then carries
// truncated=true.
type logToEventHub struct {
	loggerID, partitionKey *Value
	partitionID            string
	message                *Value
}

// eventHubMaxMessage is APIM's limit on one log-to-eventhub message.
const eventHubMaxMessage = 200 * 1024

var _ Step = (*logToEventHub)(nil)

func init() { Register("log-to-eventhub", newLogToEventHub) }

func newLogToEventHub(el *parser.Element, c *Compiler) (Step, error) {
	s := &logToEventHub{
		loggerID:     c.Attr(el, "logger-id", KindString),
		partitionKey: c.Attr(el, "partition-key", KindString),
		message:      c.Text(el, KindString, true),
	}
	if v, ok := c.Attr(el, "partition-id", KindString).Literal(); ok {
		s.partitionID = v
	}
	return s, nil
}

func (s *logToEventHub) Exec(r *Run) error {
	id, err := s.loggerID.String(r)
	if err != nil {
		return err
	}
	msg, err := s.message.String(r)
	if err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("logger-id", id)}
	if s.partitionID != "" {
		attrs = append(attrs, slog.String("partition-id", s.partitionID))
	}
	if s.partitionKey.Present {
		k, err := s.partitionKey.String(r)
		if err != nil {
			return err
		}
		attrs = append(attrs, slog.String("partition-key", k))
	}
	msg, cut := truncateUTF8(msg, eventHubMaxMessage)
	attrs = append(attrs, slog.String("message", msg))
	if cut {
		attrs = append(attrs, slog.Bool("truncated", true))
	}
	if r.Env != nil && r.Env.Logger != nil {
		r.Env.Logger.LogAttrs(r, slog.LevelInfo, "log-to-eventhub", attrs...)
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
