package hazard

import (
	"slices"
	"testing"
)

// TestCodeListsFollowTheModel checks that each code list names exactly the
// model's values, in display order.
func TestCodeListsFollowTheModel(t *testing.T) {
	var src []string
	for _, s := range Sources {
		src = append(src, string(s))
	}
	if got := sourceCodes.Values(); !slices.Equal(got, src) {
		t.Errorf("sources %v, model %v", got, src)
	}
	var cat []string
	for _, c := range Categories {
		cat = append(cat, string(c))
	}
	if got := categoryCodes.Values(); !slices.Equal(got, cat) {
		t.Errorf("categories %v, model %v", got, cat)
	}
	if SourceLabel(SourceSelfCheck, "zh") != "企业自查" || GradeLabel(Major, "en") != "Major" || StateLabel("nope", "zh") != "nope" {
		t.Error("labels changed")
	}
}
