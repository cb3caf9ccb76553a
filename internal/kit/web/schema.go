package web

import (
	"encoding"
	"encoding/json"
	"maps"
	"path"
	"reflect"
	"strings"
	"time"
)

// PagedList is the shape of a paged list answer (ListJSON, PagedJSON):
// use PagedList[T]{} as an Endpoint's Out to describe it.
type PagedList[T any] struct {
	Items []T `json:"items" schema:"notnull"` // [] when empty, never null
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

// ItemList is the shape of a whole-list answer (ItemsJSON): {"items": […]}.
type ItemList[T any] struct {
	Items []T `json:"items" schema:"notnull"`
}

// Empty is the request body of a step that needs no fields: the JSON
// object {} (a body is still required; unknown fields are refused).
type Empty struct{}

// NoBody as an Endpoint's In says the route reads no request body (a
// step named by its path alone); as its Out, that it answers 204 No
// Content.
type NoBody struct{}

// Content as an Endpoint's In is a request body that is not JSON, named
// by its media type (a CAP message: Content("application/xml")); the
// OpenAPI document describes it as a string of that type.
type Content string

// Schemas turns Go types into OpenAPI 3.1 (JSON Schema) schemas by
// reflection, the way encoding/json writes them: a struct by its json
// tags (omitempty or omitzero: not required; "-": left out), a named
// struct once under components/schemas and referred to by $ref. Types
// with their own MarshalJSON are read from what they write (a Date
// writes a string/date). A pointer, slice or map may be null, as
// encoding/json writes a nil one (type ["array", "null"]), unless the
// field's tag says schema:"notnull" (the code never leaves it nil).
type Schemas struct {
	defs  map[string]any
	names map[reflect.Type]string
}

// NewSchemas returns an empty set of components.
func NewSchemas() *Schemas {
	return &Schemas{defs: map[string]any{}, names: map[reflect.Type]string{}}
}

// Components returns the named schemas collected so far.
func (s *Schemas) Components() map[string]any { return s.defs }

// Of returns the schema of v: a zero value (Enterprise{}, []T{},
// PagedList[T]{}) or a reflect.Type. A nil v gives nil.
func (s *Schemas) Of(v any) map[string]any {
	if v == nil {
		return nil
	}
	t, ok := v.(reflect.Type)
	if !ok {
		t = reflect.TypeOf(v)
	}
	return s.of(t)
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

func (s *Schemas) of(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		return nullable(s.of(t))
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return marshaled(t)
	}
	if t.Implements(textType) || reflect.PointerTo(t).Implements(textType) {
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		if t.Kind() == reflect.Array {
			return map[string]any{"type": "array", "items": s.of(t.Elem())}
		}
		return map[string]any{"type": []string{"array", "null"}, "items": s.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": s.of(t.Elem())}
	case reflect.Struct:
		return s.object(t)
	}
	return map[string]any{} // interface, func, chan: any value
}

// nullable lets a schema be null too, as encoding/json writes a nil
// pointer, slice or map.
func nullable(sc map[string]any) map[string]any {
	switch typ := sc["type"].(type) {
	case string:
		out := maps.Clone(sc)
		out["type"] = []string{typ, "null"}
		return out
	case []string:
		return sc
	}
	if len(sc) == 0 {
		return sc // any value, null included
	}
	return map[string]any{"anyOf": []any{sc, map[string]any{"type": "null"}}}
}

// notNull takes null out of a schema nullable made.
func notNull(sc map[string]any) map[string]any {
	if typ, ok := sc["type"].([]string); ok && len(typ) == 2 && typ[1] == "null" {
		out := maps.Clone(sc)
		out["type"] = typ[0]
		return out
	}
	return sc
}

// marshaled reads the JSON kind of a type with its own MarshalJSON from
// what its zero value writes; a type whose name ends in Date is a calendar date.
func marshaled(t reflect.Type) map[string]any {
	if strings.HasSuffix(t.Name(), "Date") {
		return map[string]any{"type": "string", "format": "date"}
	}
	v := reflect.New(t).Interface()
	b, err := json.Marshal(v)
	if err != nil || len(b) == 0 {
		return map[string]any{}
	}
	switch b[0] {
	case '"':
		return map[string]any{"type": "string"}
	case '{':
		return map[string]any{"type": "object"}
	case '[':
		return map[string]any{"type": "array"}
	case 't', 'f':
		return map[string]any{"type": "boolean"}
	case 'n':
		return map[string]any{}
	}
	return map[string]any{"type": "number"}
}

// object describes a struct: a named one once in the components (the
// name is its package path under internal/ without the layer and type,
// enterprise.Enterprise, hazard.supervise.Letter), an anonymous or
// generic one (PagedList[T]) inline.
func (s *Schemas) object(t reflect.Type) map[string]any {
	name := componentName(t)
	if name == "" {
		return s.fields(t)
	}
	if n, ok := s.names[t]; ok {
		return map[string]any{"$ref": "#/components/schemas/" + n}
	}
	if _, taken := s.defs[name]; taken { // two packages of one name: the full path
		name = strings.ReplaceAll(strings.TrimPrefix(t.PkgPath(), "/"), "/", ".") + "." + t.Name()
	}
	s.names[t] = name
	s.defs[name] = map[string]any{} // a placeholder for recursive types
	s.defs[name] = s.fields(t)
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func componentName(t reflect.Type) string {
	if t.Name() == "" || strings.Contains(t.Name(), "[") {
		return ""
	}
	pkg := t.PkgPath()
	if i := strings.Index(pkg, "/internal/"); i >= 0 {
		pkg = pkg[i+len("/internal/"):]
		// the layer (kit/, bureau/) is the tree's order, not the API's name
		pkg = strings.TrimPrefix(strings.TrimPrefix(pkg, "kit/"), "bureau/")
	} else {
		pkg = path.Base(pkg)
	}
	return strings.ReplaceAll(pkg, "/", ".") + "." + t.Name()
}

// fields is a struct's object schema, its embedded structs' fields
// promoted as encoding/json does.
func (s *Schemas) fields(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	s.addFields(t, props, &required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (s *Schemas) addFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				s.addFields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var sc map[string]any
		if hasOpt(opts, "string") {
			sc = map[string]any{"type": "string"}
		} else {
			sc = s.of(f.Type)
		}
		if f.Tag.Get("schema") == "notnull" {
			sc = notNull(sc)
		}
		props[name] = sc
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}
