// Package contact checks the contact details staff type into forms and
// ledgers.
package contact

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
