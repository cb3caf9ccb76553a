package enterprise

import (
	"strings"
	"testing"
	"yingji/internal/kit/errs"
)

func TestCreditCode(t *testing.T) {
	// Published example codes (check characters computed by GB 32100).
	for _, code := range []string{"91350100M000100Y43", "91110000600037341L"} {
		if reason, ok := CheckCreditCode(code); !ok {
			t.Errorf("%s rejected: %s", code, reason)
		}
	}
	bad := map[string]string{
		"91350100M000100Y44":  "校验位错误",
		"91350100M000100Y4":   "18 位",
		"91350100M0001O0Y43":  "不允许",
		"913501A0M000100Y43":  "行政区划",
		"91350100M000100Y43X": "18 位",
	}
	for code, want := range bad {
		if reason, ok := CheckCreditCode(code); ok || !strings.Contains(reason, want) {
			t.Errorf("%s: ok=%v reason=%q, want %q", code, ok, reason, want)
		}
	}
	if NormalizeCreditCode(" 91350100m000100y43 ") != "91350100M000100Y43" {
		t.Error("normalize")
	}
}

func TestValidate(t *testing.T) {
	lat, lng := 30.9, 118.3
	b := &Bounds{MinLat: 30.7, MaxLat: 31.1, MinLng: 118.1, MaxLng: 118.5}
	e := Enterprise{Name: " 甲公司 ", CreditCode: "91350100M000100Y43", TownCode: "349901100", Sector: "mine", Lat: &lat, Lng: &lng, PrincipalPhone: "0553-6812345"}
	if err := Validate(&e, b); err != nil {
		t.Fatal(err)
	}
	if e.Name != "甲公司" || e.Status != StatusOperating || e.Risk != RiskLow || e.Scale != ScaleBelow {
		t.Fatalf("defaults: %+v", e)
	}
	far := 40.0
	e.Lat = &far
	e.Sector = "nope"
	e.PrincipalPhone = "abc"
	got := map[string]bool{}
	for _, fe := range errs.Fields(Validate(&e, b)) {
		got[fe.Field] = true
	}
	for _, f := range []string{"lat", "sector", "principal_phone"} {
		if !got[f] {
			t.Errorf("want an error on %s, got %v", f, got)
		}
	}
	if got := KeyChanges(Enterprise{Name: "a", Sector: "mine"}, Enterprise{Name: "b", Sector: "mine"}); len(got) != 1 || got[0] != "name" {
		t.Fatalf("key changes: %v", got)
	}
}
