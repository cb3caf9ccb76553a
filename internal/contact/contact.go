// Package contact checks the contact details staff type into forms and
// ledgers. The rules live in internal/person, shared with the registers
// of personal data; this package forwards to them.
package contact

import "yingji/internal/person"

// PhoneOK accepts Chinese mobile and landline numbers (see person.PhoneOK).
func PhoneOK(s string) bool { return person.PhoneOK(s) }
