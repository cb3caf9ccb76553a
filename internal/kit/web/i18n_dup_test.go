package web

import (
	"strings"
	"testing"
	"testing/fstest"
)

// A locale key defined twice (by two packages, or by a package and the
// app) stops the start with both sources named; distinct keys load.
func TestLocaleKeyDefinedTwice(t *testing.T) {
	t1, err := NewI18n()
	if err != nil {
		t.Fatal(err)
	}
	a := fstest.MapFS{"locales/zh.json": {Data: []byte(`{"alpha.title": "甲"}`)}, "locales/en.json": {Data: []byte(`{"alpha.title": "Alpha"}`)}}
	b := fstest.MapFS{"locales/zh.json": {Data: []byte(`{"beta.title": "乙", "alpha.title": "甲二"}`)}, "locales/en.json": {Data: []byte(`{"beta.title": "Beta"}`)}}
	if err := t1.AddFS("alpha", a, "locales"); err != nil {
		t.Fatal(err)
	}
	if got := t1.T("en", "alpha.title", nil); got != "Alpha" {
		t.Errorf("alpha.title = %q", got)
	}
	err = t1.AddFS("beta", b, "locales")
	if err == nil || !strings.Contains(err.Error(), `"alpha.title"`) || !strings.Contains(err.Error(), "alpha") || !strings.Contains(err.Error(), "in beta") {
		t.Fatalf("duplicate key: err = %v, want one naming the key and both sources", err)
	}
	if got := t1.T("zh", "alpha.title", nil); got != "甲" {
		t.Errorf("the first definition must stay: alpha.title = %q", got)
	}
	// A package redefining one of the app's own keys is refused too.
	c := fstest.MapFS{"locales/zh.json": {Data: []byte(`{"audit.action.revoke": "吊销"}`)}, "locales/en.json": {Data: []byte(`{}`)}}
	if err := t1.AddFS("gamma", c, "locales"); err == nil || !strings.Contains(err.Error(), "in web and in gamma") {
		t.Errorf("app key redefined: err = %v", err)
	}
}
