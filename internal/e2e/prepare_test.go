package e2e_test

import (
	"strings"
	"testing"
)

// TestTownRegistersTeamWithRollCall: town staff register a flood-rescue
// team; a negative headcount is refused on the form with the input kept;
// the corrected team gets a roll call (点验); a read-only user sees the
// leader's phone masked.
func TestTownRegistersTeamWithRollCall(t *testing.T) {
	b := setup(t)

	b.signIn("town", "yingji2022")
	b.openOK("/teams/new")
	b.fill("#t-name", "籍山镇城东社区防汛抢险突击队")
	b.choose("#t-kind", "flood_rescue")
	b.choose("#t-level", "town")
	b.fill("#t-headcount", "-5")
	b.fill("#t-phone", "13955301234")
	if st := b.submit("save with a negative headcount", "#team-save"); st != 422 {
		t.Fatalf("negative headcount: status %d", st)
	}
	if msg := b.text("#team-form"); !strings.Contains(msg, "人数不能为负数") {
		t.Fatalf("the form does not say why: %s", msg)
	}
	if v := b.value("#t-name"); v != "籍山镇城东社区防汛抢险突击队" {
		t.Fatalf("the form lost the name: %q", v)
	}
	b.fill("#t-headcount", "30")
	if st := b.submit("save", "#team-save"); st != 200 {
		t.Fatalf("save team: status %d", st)
	}
	if !strings.HasPrefix(b.path(), "/teams/") {
		t.Fatalf("after saving the page is %s", b.path())
	}
	teamPath := b.path()
	b.fill("#rc-present", "28")
	if st := b.submit("roll call", "#rollcall-save"); st != 200 {
		t.Fatalf("roll call: status %d", st)
	}
	if n := b.count("#rollcalls-table tbody tr"); n != 1 {
		t.Fatalf("%d roll calls shown", n)
	}
	if st := b.submit("log out", "#logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	b.signIn("readonly", "yingji2022")
	b.openOK(teamPath)
	if phone := b.text("#team-phone"); phone == "13955301234" || !strings.Contains(phone, "*") {
		t.Fatalf("read-only user reads the phone %q", phone)
	}
}
