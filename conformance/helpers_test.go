package conformance

import "gopkg.in/yaml.v3"

func yamlUnmarshal(src string, v any) error { return yaml.Unmarshal([]byte(src), v) }
