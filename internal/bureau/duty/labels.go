package duty

import "yingji/internal/kit/codes"

// Chinese names used in exports, documents and notifications (the pages
// take theirs from the locales).

var levelZH = codes.Pairs([][2]string{{"general", "一般"}, {"large", "较大"}, {"major", "重大"}, {"especially_major", "特别重大"}})

var categoryZH = codes.Pairs([][2]string{{"natural", "自然灾害"}, {"accident", "事故灾难"}, {"health", "公共卫生事件"}, {"social", "社会安全事件"}})

var subtypeZH = codes.Pairs([][2]string{
	{"flood", "水旱灾害（洪涝）"}, {"drought", "干旱"}, {"weather", "气象灾害"}, {"earthquake", "地震灾害"}, {"geological", "地质灾害"}, {"forest_fire", "森林火灾"},
	{"work_safety", "生产安全事故"}, {"traffic", "道路交通事故"}, {"fire", "火灾事故"}, {"hazmat", "危险化学品事故"}, {"utility", "公共设施和设备事故"},
	{"environment", "环境污染和生态破坏事件"}, {"infectious", "传染病疫情"}, {"food", "食品安全事件"}, {"poisoning", "群体性不明原因疾病和中毒"},
	{"animal", "动物疫情"}, {"mass", "群体性事件"}, {"terror", "恐怖袭击事件"}, {"economic", "经济安全事件"}, {"foreign", "涉外突发事件"}, {"other", "其他"},
})

var kindZH = codes.Pairs([][2]string{{First, "首报"}, {Follow, "续报"}, {Final, "终报"}})

var viaZH = codes.Pairs([][2]string{{"phone", "电话"}, {"written", "书面"}, {"system", "信息系统"}, {"fax", "传真"}})

var logKindZH = codes.Pairs([][2]string{{LogCall, "来电"}, {LogEvent, "事件"}, {LogHandover, "交接班"}, {LogSignIn, "签到"}, {LogSignOut, "签退"}})

var positionZH = codes.Pairs([][2]string{{PosLeader, "带班领导"}, {PosOfficer, "值班员"}})

// LevelLabel is a level's Chinese name.
func LevelLabel(l string) string { return levelZH.ZH(l) }

// CategoryLabel is a category's Chinese name.
func CategoryLabel(c string) string { return categoryZH.ZH(c) }

// SubtypeLabel is a subtype's Chinese name.
func SubtypeLabel(s string) string { c, _ := subtypeZH.Find(s); return c.ZH }

// KindLabel is a report kind's Chinese name.
func KindLabel(k string) string { return kindZH.ZH(k) }

// ViaLabel is how a report went up, in Chinese.
func ViaLabel(v string) string { return viaZH.ZH(v) }

// LogKindLabel is a log entry kind's Chinese name.
func LogKindLabel(k string) string { return logKindZH.ZH(k) }

// PositionLabel is a position's Chinese name.
func PositionLabel(p string) string { return positionZH.ZH(p) }

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
