// Package msg holds the campaign pages' messages (locales/zh.json and
// en.json, loaded into the app's i18n bundle) and renders them where no
// request is at hand: the reasons of an Excel import's error report are
// the same Chinese texts the pages show.
package msg

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"text/template"

	"yingji/internal/kit/errs"
)

// Locales are the campaign messages, zh and en, under locales/.
//
//go:embed locales/*.json
var Locales embed.FS

// zh holds the Chinese messages, read once at start and never changed.
var zh = mustLoad("locales/zh.json")

func mustLoad(name string) map[string]string {
	b, err := Locales.ReadFile(name)
	if err != nil {
		panic(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return m
}

// fallback are the shared messages the campaign code uses from the web
// kit's bundle.
var fallback = map[string]string{
	"field.required": "必填项为空",
	"field.invalid":  "取值无效",
	"form.invalid":   "表单有误，请按提示修改",
	"not_found":      "记录不存在或不在您的数据范围内",
	"forbidden":      "您没有权限执行此操作",
}

// ZH renders a message in Chinese.
func ZH(id string, args map[string]any) string {
	s, ok := zh[id]
	if !ok {
		if s, ok = fallback[id]; !ok {
			return id
		}
	}
	t, err := template.New("").Option("missingkey=zero").Parse(s)
	if err != nil {
		return s
	}
	var b bytes.Buffer
	if err := t.Execute(&b, args); err != nil {
		return s
	}
	return b.String()
}

// Reason renders an error for an import report, in Chinese.
func Reason(err error) string {
	if e, ok := errs.As(err); ok {
		if fe := errs.Fields(err); len(fe) > 0 && e.Message == "form.invalid" {
			e = fe[0]
		}
		return ZH(e.Message, e.Args)
	}
	return err.Error()
}
