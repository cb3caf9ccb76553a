// Package person holds the rules for people's personal data shared by
// every register that records it: the 居民身份证号码 check (GB 11643),
// the phone number check, masking for readers who may not see the data in
// clear, and the nil-safe sealing helpers over crypt.Sealer.
//
// Masking keeps the length of a value and its first and last four
// characters: 340102199001011234 → 3401**********1234. A value that
// embeds an ID number (the 特种作业操作证 number is the holder's ID number
// with a T in front) is masked the same way where the ID number sits:
// T349901197511060130 → T3499**********0130. Which roles may read a field
// in clear is the owning module's rule; this package only masks.
package person

import (
	"strings"
	"time"

	"yingji/internal/kit/crypt"
)

// idWeights are the GB 11643 weights of the first 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDLen is the length of a 居民身份证号码.
const IDLen = 18

// IDCheckChar computes the check character of the first 17 digits of a
// 居民身份证号码; ok is false when they are not 17 digits.
func IDCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], true
}

// NormalizeID removes spaces and dashes from an ID number and upper-cases
// its check character.
func NormalizeID(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s)))
}

// IDNumberOK checks an ID number's form and check character only (18
// characters, 17 digits, the right check character, upper-case X).
func IDNumberOK(s string) bool {
	if len(s) != IDLen {
		return false
	}
	want, ok := IDCheckChar(s[:17])
	return ok && s[17] == want
}

// birthOK reports whether the 8 digits at id[6:14] are a real date of
// birth from 1900 on, not after today (zero today: no upper bound).
func birthOK(digits string, today time.Time) bool {
	birth, err := time.Parse("20060102", digits)
	if err != nil || birth.Year() < 1900 {
		return false
	}
	if today.IsZero() {
		return true
	}
	y, m, d := today.Date()
	return !birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// CheckID validates a citizen ID number (GB 11643): 18 characters, 17
// digits and a check character, and a real date of birth not after today
// (a zero today skips that bound). It returns a Chinese reason.
func CheckID(id string, today time.Time) (string, bool) {
	if len(id) != IDLen {
		return "应为 18 位", false
	}
	want, ok := IDCheckChar(id[:17])
	if !ok {
		return "前 17 位应为数字", false
	}
	if !birthOK(id[6:14], today) {
		return "第 7–14 位的出生日期无效", false
	}
	if id[17] != want {
		return "校验位错误：第 18 位应为「" + string(want) + "」", false
	}
	return "", true
}

// PhoneOK accepts Chinese mobile and landline numbers written with -,
// spaces or brackets: a mobile number has 11 digits starting 1[3-9]; a
// landline with its area code (0…) 10–12 digits, without it 7–8; +86 or
// 86 may precede either.
func PhoneOK(s string) bool {
	var d []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == '-' || r == ' ' || r == '+' || r == '(' || r == ')' || r == '（' || r == '）':
		default:
			return false
		}
	}
	if len(d) >= 12 && d[0] == '8' && d[1] == '6' {
		d = d[2:]
	}
	switch {
	case len(d) == 0:
		return false
	case d[0] == '1':
		return len(d) == 11 && d[1] >= '3'
	case d[0] == '0':
		return len(d) >= 10 && len(d) <= 12
	}
	return len(d) == 7 || len(d) == 8
}

// MaskID masks an ID number (or any identifier of the kind) keeping its
// length and its first and last four characters: 3401**********1234.
// Values of eight characters or fewer are masked whole.
func MaskID(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// MaskName keeps the first character of a name: 王** .
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(1, len(r)-1))
}

// MaskPhone keeps the first three and last four characters of a phone
// number: 139****5678.
func MaskPhone(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

// MaskIDsIn masks every ID number embedded in a longer value (a
// certificate number, a note, a line of an audit summary) the way MaskID
// masks the ID itself: T349901197511060130 → T3499**********0130. An
// embedded ID number is 17 digits and a check character (digit, X or x)
// that match (GB 11643) and carry a real date of birth; it is found
// anywhere in a run of digits, so an ID number glued to other digits is
// masked too. Everything else is left as it is.
func MaskIDsIn(s string) string {
	if len(s) < IDLen {
		return s
	}
	// Every window is checked against the value as masked so far: an ID
	// number overlapping the last four characters of one masked before it
	// is masked too, and nothing readable is left.
	cur, b := s, []byte(nil) // copy-on-write
	for i := 0; i+IDLen <= len(cur); i++ {
		if idAt(cur, i) {
			if b == nil {
				b = []byte(s)
			}
			for k := i + 4; k < i+IDLen-4; k++ {
				b[k] = '*'
			}
			cur = string(b)
		}
	}
	return cur
}

// ContainsID reports whether s holds an ID number in clear (see
// MaskIDsIn for what counts).
func ContainsID(s string) bool {
	for i := 0; i+IDLen <= len(s); i++ {
		if idAt(s, i) {
			return true
		}
	}
	return false
}

// idAt reports whether an ID number starts at s[i].
func idAt(s string, i int) bool {
	want, ok := IDCheckChar(s[i : i+17])
	if !ok {
		return false
	}
	c := s[i+17]
	if c == 'x' {
		c = 'X'
	}
	return c == want && birthOK(s[i+6:i+14], time.Time{})
}

// Seal seals a value with s; without a sealer (tests of other parts) the
// value is kept as it is.
func Seal(s *crypt.Sealer, v string) string {
	if s == nil {
		return v
	}
	return s.Seal(v)
}

// Open opens a value sealed with s (a value never sealed comes back as
// it is); without a sealer the value is returned unchanged.
func Open(s *crypt.Sealer, v string) (string, error) {
	if s == nil || v == "" {
		return v, nil
	}
	return s.Open(v)
}

// Index is the blind index of a value for equality lookups; without a
// sealer, the value itself.
func Index(s *crypt.Sealer, v string) string {
	if s == nil {
		return v
	}
	return s.Index(v)
}
