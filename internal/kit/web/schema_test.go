package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

type schemaDate struct{ t time.Time }

func (d schemaDate) MarshalJSON() ([]byte, error) { return json.Marshal(d.t.Format("2006-01-02")) }

type schemaCode int

func (c schemaCode) MarshalText() ([]byte, error) { return []byte("x"), nil }

type schemaNode struct {
	Name     string        `json:"name"`
	Children []*schemaNode `json:"children,omitempty"` // recursive
}

type schemaBase struct {
	ID string `json:"id"`
}

type schemaThing struct {
	schemaBase                        // promoted: id
	Name       string                 `json:"name"`
	Note       string                 `json:"note,omitempty"`
	Secret     string                 `json:"-"`
	Count      int                    `json:"count"`
	Share      float64                `json:"share,omitzero"`
	Big        int64                  `json:"big,string"`
	OK         bool                   `json:"ok"`
	At         time.Time              `json:"at"`
	On         schemaDate             `json:"on"`
	Code       schemaCode             `json:"code"`
	Maybe      *int                   `json:"maybe"`
	Tags       []string               `json:"tags"`
	By         map[string]int         `json:"by"`
	Extra      map[string]any         `json:"extra"`
	Node       schemaNode             `json:"node"`
	Inline     struct{ A string }     `json:"inline"`
	Raw        []byte                 `json:"raw"`
	NoTag      string                 //
	hidden     string                 // not described
	Any        any                    `json:"any"`
	Nested     map[string]*schemaNode `json:"nested"`
}

func prop(t *testing.T, sc map[string]any, name string) map[string]any {
	t.Helper()
	p, ok := sc["properties"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("no property %q in %v", name, sc)
	}
	return p
}

// TestSchemaOf: a struct is described as encoding/json writes it.
func TestSchemaOf(t *testing.T) {
	s := NewSchemas()
	ref := s.Of(PagedList[schemaThing]{})
	// The generic page is inline; its items refer to the named struct.
	if ref["type"] != "object" || !slices.Equal(ref["required"].([]string), []string{"items", "total", "page", "size"}) {
		t.Fatalf("page: %v", ref)
	}
	items := prop(t, ref, "items")
	if items["type"] != "array" || items["items"].(map[string]any)["$ref"] != "#/components/schemas/web.schemaThing" {
		t.Fatalf("items: %v", items)
	}
	thing := s.Components()["web.schemaThing"].(map[string]any)
	want := map[string]map[string]any{
		"id":    {"type": "string"},
		"name":  {"type": "string"},
		"count": {"type": "integer"},
		"share": {"type": "number"},
		"big":   {"type": "string"},
		"ok":    {"type": "boolean"},
		"at":    {"type": "string", "format": "date-time"},
		"on":    {"type": "string", "format": "date"},
		"code":  {"type": "string"},
		"maybe": {"type": []string{"integer", "null"}},
		"tags":  {"type": []string{"array", "null"}, "items": map[string]any{"type": "string"}},
		"by":    {"type": []string{"object", "null"}, "additionalProperties": map[string]any{"type": "integer"}},
		"extra": {"type": []string{"object", "null"}, "additionalProperties": map[string]any{}},
		"nested": {"type": []string{"object", "null"}, "additionalProperties": map[string]any{"anyOf": []any{
			map[string]any{"$ref": "#/components/schemas/web.schemaNode"}, map[string]any{"type": "null"}}}},
		"node":  {"$ref": "#/components/schemas/web.schemaNode"},
		"raw":   {"type": "string", "contentEncoding": "base64"},
		"NoTag": {"type": "string"},
		"any":   {},
	}
	for name, w := range want {
		if got := prop(t, thing, name); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
	}
	props := thing["properties"].(map[string]any)
	for _, gone := range []string{"Secret", "-", "hidden", "schemaBase"} {
		if _, ok := props[gone]; ok {
			t.Errorf("%s must not be described", gone)
		}
	}
	if prop(t, thing, "inline")["type"] != "object" || prop(t, prop(t, thing, "inline"), "A")["type"] != "string" {
		t.Errorf("anonymous struct inline: %v", prop(t, thing, "inline"))
	}
	req := thing["required"].([]string)
	for _, n := range []string{"id", "name", "count", "at"} {
		if !slices.Contains(req, n) {
			t.Errorf("%s must be required: %v", n, req)
		}
	}
	for _, n := range []string{"note", "share"} {
		if slices.Contains(req, n) {
			t.Errorf("%s (omitempty/omitzero) must not be required", n)
		}
	}
	// The recursive type refers to itself; both are components, once.
	node := s.Components()["web.schemaNode"].(map[string]any)
	if prop(t, node, "children")["items"].(map[string]any)["anyOf"].([]any)[0].(map[string]any)["$ref"] != "#/components/schemas/web.schemaNode" {
		t.Errorf("recursive: %v", node)
	}
	if len(s.Components()) != 2 {
		t.Errorf("components: %v", s.Components())
	}
	if got := s.Of(schemaThing{hidden: "not described"}); got["$ref"] != "#/components/schemas/web.schemaThing" {
		t.Errorf("a named struct again: %v", got)
	}
	if s.Of(nil) != nil {
		t.Error("nil type: no schema")
	}
	if got := s.Of(reflect.TypeFor[[]schemaNode]()); !reflect.DeepEqual(got["type"], []string{"array", "null"}) {
		t.Errorf("reflect.Type: %v", got)
	}
	if got := s.Of(ItemList[string]{}); !reflect.DeepEqual(prop(t, got, "items"), map[string]any{"type": "array", "items": map[string]any{"type": "string"}}) {
		t.Errorf("item list: %v", got)
	}
}
