package enforcement

import (
	"slices"
	"testing"
)

// TestCodeListsFollowTheModel checks that the Excel code lists name
// exactly the model's states and cause kinds, in order.
func TestCodeListsFollowTheModel(t *testing.T) {
	if got := stateCodes.Values(); !slices.Equal(got, States) {
		t.Errorf("states %v, model %v", got, States)
	}
	if got := causeCodes.Values(); !slices.Equal(got, CauseKinds) {
		t.Errorf("cause kinds %v, model %v", got, CauseKinds)
	}
	if k, ok := causeCodes.Lookup("未消除事故隐患"); !ok || k != "hazard_unremedied" {
		t.Errorf("lookup by Chinese name = %q, %v", k, ok)
	}
}
