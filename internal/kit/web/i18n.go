package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Langs are the supported languages; Chinese is the default.
var Langs = []string{"zh", "en"}

// I18n translates message IDs. Packages may add their own message files
// with AddFS; a message ID is defined once in all of them.
type I18n struct {
	bundle *i18n.Bundle
	loc    map[string]*i18n.Localizer
	from   map[string]string // "lang id" → the source that defined it
}

// NewI18n loads the embedded message files.
func NewI18n() (*I18n, error) {
	b := i18n.NewBundle(language.Chinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	t := &I18n{bundle: b, loc: map[string]*i18n.Localizer{}, from: map[string]string{}}
	for _, l := range Langs {
		data, err := localeFS.ReadFile("locales/" + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", l, err)
		}
		if err := t.add("web", l, data); err != nil {
			return nil, fmt.Errorf("locale %s: %w", l, err)
		}
		t.loc[l] = i18n.NewLocalizer(b, l)
	}
	return t, nil
}

// Add loads more messages for a language (domain packages' own files).
// A message ID already defined is an error naming both sources.
func (t *I18n) Add(source, lang string, data []byte) error {
	return t.add(source, lang, data)
}

func (t *I18n) add(source, lang string, data []byte) error {
	msgs, err := i18n.ParseMessageBytes(data, json.Unmarshal)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if first, ok := t.from[lang+" "+m.ID]; ok {
			return fmt.Errorf("locale key %q (%s) is defined twice: in %s and in %s", m.ID, lang, first, source)
		}
		t.from[lang+" "+m.ID] = source
	}
	return t.bundle.AddMessages(language.Make(lang), msgs...)
}

// AddFS loads DIR/zh.json and DIR/en.json from a package's embedded files;
// source names the package in the error of a key defined twice.
func (t *I18n) AddFS(source string, fsys fs.FS, dir string) error {
	for _, l := range Langs {
		data, err := fs.ReadFile(fsys, dir+"/"+l+".json")
		if err != nil {
			return fmt.Errorf("locale %s/%s: %w", dir, l, err)
		}
		if err := t.Add(source, l, data); err != nil {
			return fmt.Errorf("locale %s/%s: %w", dir, l, err)
		}
	}
	return nil
}

// T translates id into lang with template data; an unknown id is
// returned as it is, so literal text passes through.
func (t *I18n) T(lang, id string, data map[string]any) string {
	l, ok := t.loc[lang]
	if !ok {
		l = t.loc["zh"]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Has reports whether id is a known message in every language.
func (t *I18n) Has(id string) bool {
	for _, l := range Langs {
		s, err := t.loc[l].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any{}})
		if err != nil || s == "" {
			return false
		}
	}
	return true
}

// LangOf picks the request language: the lang cookie, then the user's
// stored preference, then Chinese. Accept-Language is not followed: the
// bureau's staff work in Chinese whatever their browser says.
func LangOf(r *http.Request, pref string) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "zh" || c.Value == "en") {
		return c.Value
	}
	if pref == "zh" || pref == "en" {
		return pref
	}
	return "zh"
}
