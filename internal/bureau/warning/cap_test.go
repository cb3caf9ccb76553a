package warning

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var examples = []string{
	"oasis-cap12-appendixA2-severe-thunderstorm.xml",
	"oasis-cap12-appendixA3-earthquake-update.xml",
	"oasis-cap12-appendixA4-amber-alert.xml",
}

const xsdPath = "testdata/cap/CAP-v1.2.xsd"

// xmllintSchema validates doc against the CAP 1.2 schema with xmllint
// (Debian libxml2-utils). Without xmllint the test is skipped, except
// under CI=true, where a missing xmllint fails.
func xmllintSchema(t testing.TB, doc []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("xmllint is required under CI (apt-get install libxml2-utils): %v", err)
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	f := filepath.Join(t.TempDir(), "msg.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--schema", xsdPath, f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint --schema refused the message: %v\n%s\n%s", err, out, doc)
	}
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/cap", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOASISExamplesValidateImportAndReexport(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			raw := readExample(t, name)
			xmllintSchema(t, raw) // the examples themselves are valid
			a, err := ParseCAP(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			// Round trip of the message as read.
			out, err := MarshalCAP(a)
			if err != nil {
				t.Fatal(err)
			}
			xmllintSchema(t, out)
			if _, err := ParseCAP(bytes.NewReader(out)); err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			// Import as a draft, then export the draft.
			w := FromCAP(a, map[string]string{"340222100": "籍山镇"})
			w.ID, w.CountyCode, w.CreatedAt, w.State = "01TEST", "340222", time.Date(2022, 1, 7, 0, 0, 0, 0, time.UTC), StateDraft
			if err := ValidateImported(&w, time.Date(2022, 1, 7, 0, 0, 0, 0, time.UTC), nil); err != nil {
				t.Fatalf("imported draft refused: %v", err)
			}
			if w.Headline == "" || w.Source == "" || w.ImportedFrom == "" {
				t.Fatalf("imported draft lacks fields: %+v", w)
			}
			doc, err := MarshalCAP(ToCAP(w, nil))
			if err != nil {
				t.Fatal(err)
			}
			xmllintSchema(t, doc)
			if _, err := ParseCAP(bytes.NewReader(doc)); err != nil {
				t.Fatalf("re-parse export: %v", err)
			}
		})
	}
}

func TestImportedExamplesKeepWhatTheySay(t *testing.T) {
	a, err := ParseCAP(bytes.NewReader(readExample(t, examples[1])))
	if err != nil {
		t.Fatal(err)
	}
	w := FromCAP(a, nil)
	if w.MsgType != MsgUpdate || !strings.Contains(w.References, "TRI13970876.1") {
		t.Fatalf("update references lost: %q %q", w.MsgType, w.References)
	}
	if w.Level != "blue" { // severity Minor
		t.Fatalf("level %q", w.Level)
	}
	a4, err := ParseCAP(bytes.NewReader(readExample(t, examples[2])))
	if err != nil {
		t.Fatal(err)
	}
	w4 := FromCAP(a4, nil)
	if w4.HeadlineEN != "" && w4.HeadlineEN == w4.Headline && len(a4.Info) < 2 {
		t.Fatal("second info block not read")
	}
	if len(a4.Info) != 2 {
		t.Fatalf("amber alert has %d info blocks", len(a4.Info))
	}
}

func sampleWarning() Warning {
	eff := time.Date(2022, 1, 7, 8, 0, 0, 0, cst)
	return Warning{ID: "01TEST", CountyCode: "340222", Identifier: Identifier("340222", UnitCode, eff, 0), MsgType: MsgAlert,
		Source: "县气象局", Type: "cold_wave", Level: "blue", Towns: []string{"340222100", "340222101"},
		EffectiveAt: eff, ExpiresAt: eff.Add(48 * time.Hour), Headline: "县气象局发布寒潮蓝色预警信号",
		Description: "受强冷空气影响，48小时内最低气温将下降8℃以上。", Instruction: "注意添衣保暖；做好大棚、畜禽防寒。",
		HeadlineEN: "Cold wave blue warning", State: StatePublished, PublishedAt: eff, CreatedAt: eff}
}

func TestEmittedCAPIsValid(t *testing.T) {
	for _, mod := range []func(*Warning){
		func(*Warning) {},
		func(w *Warning) { w.State, w.PublishedAt, w.Identifier = StateDraft, time.Time{}, "" },
		func(w *Warning) {
			w.MsgType, w.References = MsgUpdate, Sender("340222")+","+w.Identifier+","+FormatCAPTime(w.PublishedAt)
			w.Identifier = Identifier("340222", UnitCode, w.PublishedAt.Add(time.Hour), 0)
		},
		func(w *Warning) {
			w.MsgType, w.References = MsgCancel, Sender("340222")+","+w.Identifier+","+FormatCAPTime(w.PublishedAt)
		},
	} {
		w := sampleWarning()
		mod(&w)
		doc, err := MarshalCAP(ToCAP(w, func(c string) string { return map[string]string{"340222100": "籍山镇", "340222101": "弋江镇"}[c] }))
		if err != nil {
			t.Fatal(err)
		}
		xmllintSchema(t, doc)
		a, err := ParseCAP(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if a.Info[0].Language != "zh-CN" || len(a.Info) != 2 || a.Info[1].Language != "en" {
			t.Fatalf("info blocks: %+v", a.Info)
		}
		back := FromCAP(a, map[string]string{"340222100": "籍山镇", "340222101": "弋江镇"})
		if back.Type != w.Type || back.Level != w.Level || len(back.Towns) != 2 || !back.ExpiresAt.Equal(w.ExpiresAt) {
			t.Fatalf("round trip: %+v", back)
		}
	}
}

func TestIdentifierForm(t *testing.T) {
	id := Identifier("340222", UnitCode, time.Date(2022, 1, 7, 0, 30, 5, 0, time.UTC), 0)
	if id != "34022200000000_20220107083005" {
		t.Fatal(id)
	}
	if got := Identifier("340222", UnitCode, time.Date(2022, 1, 7, 0, 30, 5, 0, time.UTC), 2); got != id+"02" {
		t.Fatal(got)
	}
}

func TestBadCAPIsRefusedNamingTheElement(t *testing.T) {
	good := string(readExample(t, examples[0]))
	cases := []struct{ name, doc, element string }{
		{"not xml", "hello", ""},
		{"other root", `<rss version="2.0"><channel/></rss>`, "rss"},
		{"CAP 1.1", strings.Replace(good, "cap:1.2", "cap:1.1", 1), "alert"},
		{"bad severity", strings.Replace(good, "<severity>Severe</severity>", "<severity>Awful</severity>", 1), "alert/info[1]/severity"},
		{"missing sender", regexp.MustCompile(`<sender>[^<]*</sender>`).ReplaceAllString(good, ""), "alert/sender"},
		{"bad sent", regexp.MustCompile(`<sent>[^<]*</sent>`).ReplaceAllString(good, "<sent>2003-04-02T14:39:01Z</sent>"), "alert/sent"},
		{"unknown element", strings.Replace(good, "<urgency>", "<colour>red</colour><urgency>", 1), "alert/info[1]/colour"},
		{"out of order", strings.Replace(strings.Replace(good, "<status>Actual</status>", "", 1), "<scope>Public</scope>", "<scope>Public</scope><status>Actual</status>", 1), "alert/status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseCAP(strings.NewReader(c.doc))
			var ce *CAPError
			if !errors.As(err, &ce) {
				t.Fatalf("want a CAPError, got %v", err)
			}
			if c.element != "" && !strings.HasPrefix(ce.Element, c.element) && !strings.Contains(err.Error(), c.element) {
				t.Fatalf("error %q does not name %s", err, c.element)
			}
		})
	}
}

func FuzzParseCAP(f *testing.F) {
	for _, name := range examples {
		b, err := os.ReadFile(filepath.Join("testdata/cap", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier></alert>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseCAP(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever parses must write out and parse again.
		out, err := MarshalCAP(a)
		if err != nil {
			t.Fatalf("accepted message does not marshal: %v", err)
		}
		if _, err := ParseCAP(bytes.NewReader(out)); err != nil {
			t.Fatalf("re-parse of accepted message: %v\n%s", err, out)
		}
		_ = FromCAP(a, nil)
	})
}

func BenchmarkParseValidateCAP(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata/cap", examples[0]))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseCAP(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
