package duty

import (
	"slices"
	"testing"
)

// TestCodeListsFollowTheModel checks that the Excel drop-downs keep the
// model's order and that every subtype of a category has a name.
func TestCodeListsFollowTheModel(t *testing.T) {
	if got := levelZH.Values(); !slices.Equal(got, Levels) {
		t.Errorf("levels %v, model %v", got, Levels)
	}
	if got := viaZH.Values(); !slices.Equal(got, Vias) {
		t.Errorf("vias %v, model %v", got, Vias)
	}
	if got := logKindZH.Values(); !slices.Equal(got, LogKinds) {
		t.Errorf("log kinds %v, model %v", got, LogKinds)
	}
	for i, c := range Categories {
		if categoryZH[i].Value != c.Code {
			t.Errorf("category %d: %s, model %s", i, categoryZH[i].Value, c.Code)
		}
		for _, s := range c.Subtypes {
			if SubtypeLabel(s) == "" {
				t.Errorf("subtype %s has no name", s)
			}
		}
	}
	if SubtypeLabel("nope") != "" || LevelLabel("nope") != "nope" || LevelLabel("major") != "重大" {
		t.Error("labels changed")
	}
}
