package pdfdoc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

func TestChineseDate(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2022, 6, 9, 10, 0, 0, 0, cst), "二〇二二年六月九日"},
		{time.Date(2022, 10, 31, 0, 0, 0, 0, cst), "二〇二二年十月三十一日"},
		{time.Date(2020, 1, 10, 0, 0, 0, 0, cst), "二〇二〇年一月十日"},
		{time.Date(2023, 11, 20, 0, 0, 0, 0, cst), "二〇二三年十一月二十日"},
		{time.Date(2019, 12, 25, 0, 0, 0, 0, cst), "二〇一九年十二月二十五日"},
		{time.Date(2000, 2, 15, 0, 0, 0, 0, cst), "二〇〇〇年二月十五日"},
		// 2022-06-08 16:30 UTC is already the 9th in Beijing.
		{time.Date(2022, 6, 8, 16, 30, 0, 0, time.UTC).In(cst), "二〇二二年六月九日"},
	}
	for _, c := range cases {
		if got := ChineseDate(c.t); got != c.want {
			t.Errorf("ChineseDate(%s) = %s, want %s", c.t, got, c.want)
		}
	}
}

// fixedWidth measures CJK as 1 and everything else as 0.5.
func fixedWidth(r rune) float64 {
	if isCJK(r) {
		return 1
	}
	return 0.5
}

func lineTexts(ls []line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.text())
	}
	return out
}

func TestWrap(t *testing.T) {
	wrapS := func(s string, max, indent float64) []string {
		return lineTexts(wrap(tokenize(s, fixedWidth), max, indent, fixedWidth))
	}
	check := func(name string, got, want []string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	// Breaks between any two CJK characters.
	check("cjk", wrap4("一二三四五六七八九十"), []string{"一二三四", "五六七八", "九十"})
	// A closing mark never starts a line: the previous character comes along.
	check("no-start", wrapS("一二三四。五六", 4, 0), []string{"一二三", "四。五六"})
	// An opening mark never ends a line.
	check("no-end", wrapS("一二三（四）", 4, 0), []string{"一二三", "（四）"})
	// A long run of marks is not carried over wholesale.
	check("mark-run", wrapS("一二三四五〔六〕！？；：", 6, 0), []string{"一二三四五", "〔六〕！？；", "："})
	// Latin words and numbers stay together.
	check("latin", wrapS("编号ABCD1234号", 5, 0), []string{"编号", "ABCD1234号"})
	check("words", wrapS("see the manual now", 5, 0), []string{"see the", "manual now"})
	// A word wider than the line is split rather than overflowing.
	long := wrap(tokenize("https://example.com/aaaaaaaaaaaa", fixedWidth), 5, 0, fixedWidth)
	for _, l := range long {
		if l.w > 5 {
			t.Errorf("long word line %q is %.1f wide", l.text(), l.w)
		}
	}
	// First-line indent shortens the first line only.
	check("indent", wrapS("一二三四五六七八", 4, 2), []string{"一二", "三四五六", "七八"})
	// Every line fits.
	text := strings.Repeat("安全生产责任制落实情况，含2022年第3季度检查（复查）结果。", 10)
	for _, l := range wrap(tokenize(text, fixedWidth), 13, 2, fixedWidth) {
		if l.w > 13 {
			t.Errorf("line %q is %.1f wide", l.text(), l.w)
		}
		if r := []rune(l.text()); len(r) > 0 && noStart(string(r[0])) {
			t.Errorf("line %q starts with a closing mark", l.text())
		}
	}
}

func wrap4(s string) []string {
	return lineTexts(wrap(tokenize(s, fixedWidth), 4, 0, fixedWidth))
}

const page2Marker = "第二页标记：企业应当于二〇二二年六月二十日前将整改报告报送县应急管理局执法大队。"

func sampleDoc() Doc {
	long := "经查，你单位存在下列问题：一是未按规定对从业人员进行安全生产教育和培训，部分特种作业人员未持证上岗；" +
		"二是生产车间安全出口被杂物堵塞，应急照明灯具损坏未及时修复；三是危险化学品仓库未设置明显的安全警示标志，" +
		"可燃气体报警装置（型号GT-2000A）未定期检验。上述行为违反了《中华人民共和国安全生产法》第二十八条、第四十一条的规定。"
	var blocks []Block
	blocks = append(blocks,
		Paragraph{Text: "示例科技有限公司："},
		Paragraph{Text: long, Indent: true},
		Heading{Text: "一、被检查单位基本情况"},
		Fields{Rows: []Field{
			{"被检查单位", "示例科技有限公司"},
			{"地址", "示例县经济开发区创业大道188号（示例县应急管理局东侧约500米）第3号厂房及附属仓库"},
			{"法定代表人", "张三"},
			{"联系电话", "0551-12345678"},
		}},
		Paragraph{Text: long, Indent: true},
		Paragraph{Text: long, Indent: true},
		Paragraph{Text: page2Marker, Indent: true},
		Paragraph{Text: "标点：“引号”‘单引’、顿号·间隔号……省略号——破折号～％℃№①②（一）【二】「三」《四》〔五〕。", Indent: true},
		Heading{Text: "二、限期整改事项"},
	)
	rows := [][]string{}
	for i := 1; i <= 14; i++ {
		rows = append(rows, []string{
			itoaTest(i),
			"生产车间安全出口被杂物堵塞，应急照明灯具损坏未及时修复，需清理通道并更换灯具",
			"《安全生产法》第四十二条",
			"2022年6月20日前",
		})
	}
	blocks = append(blocks,
		Table{Header: []string{"序号", "问题描述", "依据", "整改期限"}, Widths: []float64{0.08, 0.52, 0.22, 0.18}, Rows: rows},
		Paragraph{Text: "如果不服本指令，可以依法在60日内向示例县人民政府申请行政复议，或者在6个月内依法向示例县人民法院提起行政诉讼，但本指令不停止执行。", Indent: true},
		Signature{Unit: "示例县应急管理局", Date: time.Date(2022, 6, 9, 0, 0, 0, 0, time.UTC)},
	)
	return Doc{
		Issuer:    "示例县应急管理局",
		RedHeader: true,
		Title:     "责令限期整改指令书",
		Number:    "（示）应急责改〔2022〕5号",
		Blocks:    blocks,
		Footer:    "本文书一式两份：一份由应急管理部门存档，一份交被检查单位。",
	}
}

func itoaTest(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// needTool returns the path of a poppler tool, skipping the test when it is
// missing outside CI and failing under CI.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found but CI is set: install poppler-utils", name)
		}
		t.Skipf("%s not found (apt-get install poppler-utils)", name)
	}
	return p
}

// squash drops white space (lines wrap anywhere) and reads ○ as 〇, which
// the GB 2312 font prints as ○.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		if r == '○' {
			return '〇'
		}
		return r
	}, s)
}

func TestRenderSample(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, sampleDoc()); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatalf("output does not start with %%PDF: %q", buf.Bytes()[:min(16, buf.Len())])
	}
	if n := pageCount(buf.Bytes()); n < 2 {
		t.Errorf("sample has %d pages, want 2 or more", n)
	}
	if buf.Len() > 2<<20 {
		t.Errorf("PDF is %d bytes: the font should be subset", buf.Len())
	}
	dir := t.TempDir()
	if d := os.Getenv("PDFDOC_SAMPLE_DIR"); d != "" {
		dir = d
	}
	pdf := filepath.Join(dir, "sample.pdf")
	if err := os.WriteFile(pdf, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	pdftotext := needTool(t, "pdftotext")
	text := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(pdftotext, append(append([]string{"-enc", "UTF-8"}, args...), pdf, "-")...).Output()
		if err != nil {
			t.Fatalf("pdftotext %v: %v", args, err)
		}
		return string(out)
	}
	all := squash(text())
	for _, want := range []string{"示例县应急管理局", "责令限期整改指令书", "（示）应急责改〔2022〕5号", "二〇二二年六月九日", "本文书一式两份", "被检查单位", "GT-2000A", "—1—"} {
		if !strings.Contains(all, squash(want)) {
			t.Errorf("extracted text lacks %q", want)
		}
	}
	if strings.Contains(all, "□") {
		t.Errorf("some characters are missing from the font:\n%s", all)
	}
	page2 := squash(text("-f", "2", "-l", "2"))
	if !strings.Contains(page2, squash(page2Marker)) {
		t.Errorf("page 2 lacks the marker sentence; page 2 text:\n%s", page2)
	}
	if !strings.Contains(page2, "—2—") {
		t.Errorf("page 2 lacks its page number")
	}
	// The table spans a page break: its header is printed again.
	page3 := squash(text("-f", "3", "-l", "3"))
	if !strings.Contains(page3, "序号问题描述依据整改期限") {
		t.Errorf("page 3 lacks the repeated table header:\n%s", page3)
	}
	// Text stays inside the page: pdftotext -bbox gives word boxes.
	if p, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command(p, "-bbox", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		checkBoxes(t, string(out))
	}
}

// checkBoxes checks every word box of pdftotext -bbox output lies within
// the left and right margins (with a small tolerance).
func checkBoxes(t *testing.T, html string) {
	t.Helper()
	const tol = 1.0
	n := 0
	for _, ln := range strings.Split(html, "\n") {
		ln = strings.TrimSpace(ln)
		if !strings.HasPrefix(ln, "<word ") {
			continue
		}
		var xMin, yMin, xMax, yMax float64
		var word string
		i := strings.Index(ln, "xMin=")
		if _, err := fmt.Sscanf(ln[i:], `xMin="%f" yMin="%f" xMax="%f" yMax="%f"`, &xMin, &yMin, &xMax, &yMax); err != nil {
			t.Fatalf("parse %q: %v", ln, err)
		}
		if j := strings.Index(ln, ">"); j > 0 {
			word = strings.TrimSuffix(ln[j+1:], "</word>")
		}
		n++
		if xMin < left-tol || xMax > right+tol {
			t.Errorf("word %q runs outside the margins: x %.1f–%.1f (type area %.1f–%.1f)", word, xMin, xMax, left, right)
		}
		if yMax > pageH-10*mm {
			t.Errorf("word %q too low on the page: y %.1f", word, yMax)
		}
	}
	if n == 0 {
		t.Error("no words in pdftotext -bbox output")
	}
}

func TestRenderConcurrent(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sizes := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			d := sampleDoc()
			d.Number = "（示）应急责改〔2022〕" + itoaTest(i) + "号"
			errs[i] = r.Render(&buf, d)
			sizes[i] = buf.Len()
		}()
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil || sizes[i] == 0 {
			t.Fatalf("render %d: %v (%d bytes)", i, errs[i], sizes[i])
		}
	}
}

// pageCount counts the page objects of a gopdf file.
func pageCount(pdf []byte) int {
	return len(regexp.MustCompile(`/Type /Page[^s]`).FindAll(pdf, -1))
}

func TestRenderEdgeCases(t *testing.T) {
	var buf bytes.Buffer
	// A page break at the top of a page adds no blank page.
	if err := Render(&buf, Doc{Blocks: []Block{PageBreak{}, Paragraph{Text: "一"}, PageBreak{}, PageBreak{}, Paragraph{Text: "二"}}}); err != nil {
		t.Fatal(err)
	}
	if n := pageCount(buf.Bytes()); n != 2 {
		t.Errorf("page breaks: %d pages, want 2", n)
	}
	buf.Reset()
	d := Doc{
		Title: "空白文书",
		Blocks: []Block{
			&Paragraph{Text: "指针块也可以。生僻字𠀀用方框代替。"},
			(*Paragraph)(nil),
			Spacer{},
			Table{Rows: [][]string{{"无表头"}, {"a", "b", "c"}}, Widths: []float64{1}},
			Table{},
			Fields{},
			Signature{DateText: "年　月　日"},
			Paragraph{Text: strings.Repeat("长", 2000)},
			Table{Header: []string{"超长单元格"}, Rows: [][]string{{strings.Repeat("很长的单元格内容", 400)}}},
		},
	}
	if err := Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
	if dir := os.Getenv("PDFDOC_SAMPLE_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "edge.pdf"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type bad struct{ Block }
	if err := Render(&bytes.Buffer{}, Doc{Blocks: []Block{bad{}}}); err == nil {
		t.Fatal("unknown block type accepted")
	}
}
