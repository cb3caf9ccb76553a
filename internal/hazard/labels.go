package hazard

import "strings"

// Labels of the code values in Chinese and English, for Excel ledgers
// and anything else that is not a page (pages use the locale files, whose
// hazard.source.*, hazard.grade.* … keys hold the same words).

var sourceLabels = map[Source][2]string{
	SourceInspection: {"监管检查", "Supervisory inspection"},
	SourceSelfCheck:  {"企业自查", "Enterprise self-check"},
	SourceExpert:     {"专家检查", "Expert inspection"},
	SourceThirdParty: {"第三方", "Third party"},
	SourceSuperior:   {"上级督查", "Inspection by a higher authority"},
	SourceDepartment: {"部门检查", "Department inspection"},
	SourceComplaint:  {"群众举报", "Public complaint"},
}

var gradeLabels = map[Grade][2]string{
	General: {"一般", "General"},
	Major:   {"重大", "Major"},
}

var categoryLabels = map[Category][2]string{
	CatThing:      {"物的不安全状态", "Unsafe condition"},
	CatBehaviour:  {"人的不安全行为", "Unsafe behaviour"},
	CatManagement: {"管理缺陷", "Management defect"},
}

var stateLabels = map[State][2]string{
	Reported: {"已上报", "Reported"}, Graded: {"已定级", "Graded"}, Ordered: {"责令整改", "Ordered"}, Rectifying: {"整改中", "Rectifying"},
	PendingReview: {"待复查", "Awaiting review"}, Verified: {"已复查", "Verified"}, Closed: {"已销号", "Closed"},
}

func pick(l [2]string, lang string) string {
	if strings.HasPrefix(lang, "en") {
		return l[1]
	}
	return l[0]
}

// SourceLabel, GradeLabel, CategoryLabel and StateLabel name a code value
// ("" for an empty one, the code itself for an unknown one).
func SourceLabel(x Source, lang string) string {
	if l, ok := sourceLabels[x]; ok {
		return pick(l, lang)
	}
	return string(x)
}

// GradeLabel names a grade.
func GradeLabel(x Grade, lang string) string {
	if l, ok := gradeLabels[x]; ok {
		return pick(l, lang)
	}
	return string(x)
}

// CategoryLabel names a category.
func CategoryLabel(x Category, lang string) string {
	if l, ok := categoryLabels[x]; ok {
		return pick(l, lang)
	}
	return string(x)
}

// StateLabel names a state.
func StateLabel(x State, lang string) string {
	if l, ok := stateLabels[x]; ok {
		return pick(l, lang)
	}
	return string(x)
}

// byLabel finds a code by its Chinese or English label or the code itself.
func byLabel[K ~string](m map[K][2]string, v string) (K, bool) {
	v = strings.TrimSpace(v)
	for k, l := range m {
		if string(k) == v || l[0] == v || strings.EqualFold(l[1], v) {
			return k, true
		}
	}
	return "", false
}

// zhLabels lists the Chinese labels in the given order (Excel drop-downs).
func zhLabels[K ~string](m map[K][2]string, order []K) []string {
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, m[k][0])
	}
	return out
}
