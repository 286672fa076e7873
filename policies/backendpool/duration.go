package backendpool

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads an ISO 8601 duration as backend rules write it
// ("PT1M", "PT30S", "P1DT2H", "PT0.5S"): days, hours, minutes and seconds;
// years, months and weeks are refused since they have no fixed length.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(in, "P") || len(in) < 3 {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration (e.g. PT1M)", s)
	}
	var d time.Duration
	timePart := false
	num := ""
	for _, c := range in[1:] {
		switch {
		case c >= '0' && c <= '9' || c == '.' || c == ',':
			if c == ',' {
				c = '.'
			}
			num += string(c)
			continue
		case c == 'T' && !timePart && num == "":
			timePart = true
			continue
		}
		if num == "" {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration (e.g. PT1M)", s)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration (e.g. PT1M)", s)
		}
		num = ""
		var unit time.Duration
		switch {
		case c == 'D' && !timePart:
			unit = 24 * time.Hour
		case c == 'H' && timePart:
			unit = time.Hour
		case c == 'M' && timePart:
			unit = time.Minute
		case c == 'S' && timePart:
			unit = time.Second
		default:
			return 0, fmt.Errorf("%q: only days, hours, minutes and seconds are supported in a duration", s)
		}
		x := v * float64(unit)
		if x >= math.MaxInt64 || float64(d)+x >= math.MaxInt64 {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		d += time.Duration(x)
	}
	if num != "" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration (e.g. PT1M)", s)
	}
	return d, nil
}
