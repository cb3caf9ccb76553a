package contact

import "testing"

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
