package conformance

import (
	"regexp"

	"gopkg.in/yaml.v3"
)

func yamlUnmarshal(src string, v any) error { return yaml.Unmarshal([]byte(src), v) }

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
