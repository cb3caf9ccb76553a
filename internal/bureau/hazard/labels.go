package hazard

import "yingji/internal/kit/codes"

// Labels of the code values in Chinese and English, for Excel ledgers
// and anything else that is not a page (pages use the locale files, whose
// hazard.source.*, hazard.grade.* … keys hold the same words).

var sourceCodes = codes.List{
	{Value: string(SourceInspection), ZH: "监管检查", EN: "Supervisory inspection"},
	{Value: string(SourceSelfCheck), ZH: "企业自查", EN: "Enterprise self-check"},
	{Value: string(SourceExpert), ZH: "专家检查", EN: "Expert inspection"},
	{Value: string(SourceThirdParty), ZH: "第三方", EN: "Third party"},
	{Value: string(SourceSuperior), ZH: "上级督查", EN: "Inspection by a higher authority"},
	{Value: string(SourceDepartment), ZH: "部门检查", EN: "Department inspection"},
	{Value: string(SourceComplaint), ZH: "群众举报", EN: "Public complaint"},
}

var gradeCodes = codes.List{
	{Value: string(General), ZH: "一般", EN: "General"},
	{Value: string(Major), ZH: "重大", EN: "Major"},
}

var categoryCodes = codes.List{
	{Value: string(CatThing), ZH: "物的不安全状态", EN: "Unsafe condition"},
	{Value: string(CatBehaviour), ZH: "人的不安全行为", EN: "Unsafe behaviour"},
	{Value: string(CatManagement), ZH: "管理缺陷", EN: "Management defect"},
}

var stateCodes = codes.List{
	{Value: string(Reported), ZH: "已上报", EN: "Reported"}, {Value: string(Graded), ZH: "已定级", EN: "Graded"},
	{Value: string(Ordered), ZH: "责令整改", EN: "Ordered"}, {Value: string(Rectifying), ZH: "整改中", EN: "Rectifying"},
	{Value: string(PendingReview), ZH: "待复查", EN: "Awaiting review"}, {Value: string(Verified), ZH: "已复查", EN: "Verified"},
	{Value: string(Closed), ZH: "已销号", EN: "Closed"},
}

// SourceLabel, GradeLabel, CategoryLabel and StateLabel name a code value
// ("" for an empty one, the code itself for an unknown one).
func SourceLabel(x Source, lang string) string { return sourceCodes.Label(string(x), lang) }

// GradeLabel names a grade.
func GradeLabel(x Grade, lang string) string { return gradeCodes.Label(string(x), lang) }

// CategoryLabel names a category.
func CategoryLabel(x Category, lang string) string { return categoryCodes.Label(string(x), lang) }

// StateLabel names a state.
func StateLabel(x State, lang string) string { return stateCodes.Label(string(x), lang) }
