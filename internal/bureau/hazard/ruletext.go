package hazard

import (
	"encoding/json"
	"strings"
	"sync"
	"text/template"
)

// zhMessages are the module's Chinese messages (locales/zh.json), read
// once: the import writes a refused rule's text into its error report,
// outside any request.
var zhMessages = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	if b, err := Locales.ReadFile("locales/zh.json"); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
})

// RuleText is the Chinese text of a refused rule with its arguments, as
// the form shows it (the rule's code when the message is missing).
func RuleText(re *RuleError) string {
	msg, ok := zhMessages()[re.Rule]
	if !ok {
		return re.Rule
	}
	if !strings.Contains(msg, "{{") {
		return msg
	}
	t, err := template.New("").Option("missingkey=zero").Parse(msg)
	if err != nil {
		return msg
	}
	var b strings.Builder
	if err := t.Execute(&b, re.Args); err != nil {
		return msg
	}
	return b.String()
}
