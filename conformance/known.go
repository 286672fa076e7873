package conformance

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkKnown reports the first mapping key under n that the decoded type t
// has no field for, so that a misspelt field ("stauts") is an error rather
// than an expectation silently not checked.
func checkKnown(path string, n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil {
		return nil
	}
	switch t {
	case reflect.TypeFor[rawNode](), reflect.TypeFor[optString](), reflect.TypeFor[stringList](), reflect.TypeFor[any]():
		return nil
	case reflect.TypeFor[orderedExpect]():
		return nil
	case reflect.TypeFor[lastErrSpec]():
		return nil // checked when decoded
	case reflect.TypeFor[docRef](), reflect.TypeFor[namedValue]():
		if n.Kind != yaml.MappingNode {
			return nil
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		fields := map[string]reflect.Type{}
		if t == reflect.TypeFor[docRef]() {
			fields["file"] = reflect.TypeFor[string]()
		} else {
			collectFields(t, fields)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				names := slices.Sorted(maps.Keys(fields))
				return nodeErr(path, k, fmt.Sprintf("unknown field %q (known: %s)", k.Value, strings.Join(names, ", ")))
			}
			if err := checkKnown(path, n.Content[i+1], ft); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				if err := checkKnown(path, c, t.Elem()); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 1; i < len(n.Content); i += 2 {
				if err := checkKnown(path, n.Content[i], t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// collectFields lists a struct's YAML field names (inline structs
// included).
func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			collectFields(f.Type, out)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
}
