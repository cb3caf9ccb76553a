package person

import (
	"strings"
	"testing"
	"time"

	"yingji/internal/kit/crypt"
)

func TestCheckID(t *testing.T) {
	today := time.Date(2022, 6, 10, 0, 0, 0, 0, time.UTC)
	if reason, ok := CheckID("11010519491231002X", today); !ok {
		t.Errorf("the GB 11643 example was rejected: %s", reason)
	}
	for id, want := range map[string]string{
		"110105194912310021":  "校验位错误：第 18 位应为「X」",
		"11010519491231002":   "18 位",
		"1101051949123100AX":  "前 17 位应为数字",
		"110105194902301231":  "出生日期",
		"110105203001010011":  "出生日期", // born in the future
		"11010518991231002X":  "出生日期", // before 1900
		"11010519491231002XX": "18 位",
	} {
		if reason, ok := CheckID(id, today); ok || !strings.Contains(reason, want) {
			t.Errorf("CheckID(%s): ok=%v reason=%q, want %q", id, ok, reason, want)
		}
	}
}

func TestIDNumberOK(t *testing.T) {
	for s, want := range map[string]bool{
		"11010519491231002X": true, "340123199001011000": true,
		"110105194912310021": false, "11010519491231002x": false, "1101051949123100": false, "": false,
		"A1010519491231002X": false,
	} {
		if IDNumberOK(s) != want {
			t.Errorf("IDNumberOK(%q) = %v, want %v", s, !want, want)
		}
	}
	if NormalizeID(" 110105-19491231002x ") != "11010519491231002X" {
		t.Error("NormalizeID")
	}
}

func TestPhoneOK(t *testing.T) {
	for s, want := range map[string]bool{
		"13912345678": true, "139 1234 5678": true, "+86 139-1234-5678": true, "8613912345678": true,
		"0553-5881234": true, "(0553)5881234": true, "5881234": true, "58812345": true, "010-12345678": true,
		"1390000": false, "1391234567": false, "12912345678": false, "123": false, "0553-12": false, "139x1234": false, "": false,
	} {
		if PhoneOK(s) != want {
			t.Errorf("PhoneOK(%q) = %v, want %v", s, !want, want)
		}
	}
}

func TestMask(t *testing.T) {
	for _, x := range []struct {
		fn       func(string) string
		in, want string
	}{
		{MaskID, "340102199001011234", "3401**********1234"},
		{MaskID, "34012319900101100X", "3401**********100X"},
		{MaskID, "12345678", "********"},
		{MaskID, "", ""},
		{MaskName, "王建国", "王**"},
		{MaskName, "张三", "张*"},
		{MaskName, "王", "王*"},
		{MaskName, " ", ""},
		{MaskPhone, "13912345678", "139****5678"},
		{MaskPhone, "1234567", "*******"},
	} {
		if got := x.fn(x.in); got != x.want {
			t.Errorf("mask(%q) = %q, want %q", x.in, got, x.want)
		}
	}
}

func TestMaskIDsIn(t *testing.T) {
	for in, want := range map[string]string{
		// The 特种作业操作证 number: the holder's ID number after a T.
		"T349901197511060130": "T3499**********0130",
		"349901197511060130":  "3499**********0130",
		"11010519491231002x":  "1101**********002x",
		// Free text quoting an ID number, twice.
		"原证号 T11010519491231002X 换为 340102194912310023。": "原证号 T1101**********002X 换为 3401**********0023。",
		// Glued to other digits.
		"0034990119751106013099": "003499**********013099",
		// Inside a JSON audit summary.
		`{"number":"T349901197511060130"}`: `{"number":"T3499**********0130"}`,
		// Not ID numbers: wrong check character, bad date, too short, a
		// credit code, a competence certificate number.
		"349901197511060131": "349901197511060131",
		"349901197513060130": "349901197513060130",
		"34990119751106013":  "34990119751106013",
		"91340200MA2N0XYZ1K": "91340200MA2N0XYZ1K",
		"皖WH0601301":         "皖WH0601301",
		"":                   "",
		"已过期（2021-05-01 到期）": "已过期（2021-05-01 到期）",
	} {
		if got := MaskIDsIn(in); got != want {
			t.Errorf("MaskIDsIn(%q) = %q, want %q", in, got, want)
		}
		if ContainsID(MaskIDsIn(in)) {
			t.Errorf("ContainsID(MaskIDsIn(%q)) = true", in)
		}
	}
	if !ContainsID("T349901197511060130") || ContainsID("T3499**********0130") {
		t.Error("ContainsID")
	}
	// A bare ID number is masked exactly like MaskID masks it.
	if id := "340102194912310023"; MaskIDsIn(id) != MaskID(id) {
		t.Errorf("MaskIDsIn(%s) = %s, MaskID = %s", id, MaskIDsIn(id), MaskID(id))
	}
}

func TestSealHelpers(t *testing.T) {
	if Seal(nil, "x") != "x" || Index(nil, "x") != "x" {
		t.Fatal("nil sealer keeps the value")
	}
	if v, err := Open(nil, "x"); err != nil || v != "x" {
		t.Fatal("nil sealer opens to the value")
	}
	s, err := crypt.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed := Seal(s, "340102194912310023")
	if sealed == "340102194912310023" || ContainsID(sealed) {
		t.Fatalf("sealed: %s", sealed)
	}
	if v, err := Open(s, sealed); err != nil || v != "340102194912310023" {
		t.Fatalf("open: %q %v", v, err)
	}
	if a, b := Index(s, "a"), Index(s, "a"); a != b || a == "a" {
		t.Fatal("index")
	}
}

// FuzzIDNumber checks the validator against its definition: whatever the
// input, IDNumberOK accepts exactly 17 digits followed by the GB 11643
// check character, CheckID never accepts what IDNumberOK refuses, and
// masking never leaves an accepted ID number readable.
func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "340102194912310023", "T349901197511060130", "", "x", "12345678901234567X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := IDNumberOK(s)
		want := len(s) == 18
		sum := 0
		for i := 0; want && i < 17; i++ {
			if s[i] < '0' || s[i] > '9' {
				want = false
				break
			}
			sum += int(s[i]-'0') * idWeights[i]
		}
		if want {
			want = s[17] == "10X98765432"[sum%11]
		}
		if ok != want {
			t.Fatalf("IDNumberOK(%q) = %v, want %v", s, ok, want)
		}
		if _, checked := CheckID(s, time.Time{}); checked && !ok {
			t.Fatalf("CheckID accepts %q, IDNumberOK does not", s)
		}
		m := MaskIDsIn(s)
		if len(m) != len(s) || ContainsID(m) {
			t.Fatalf("MaskIDsIn(%q) = %q", s, m)
		}
		if ok && birthOK(s[6:14], time.Time{}) && m != MaskID(s) {
			t.Fatalf("MaskIDsIn(%q) = %q, MaskID = %q", s, m, MaskID(s))
		}
	})
}
