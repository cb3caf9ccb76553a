package certificate

import (
	"bytes"
	"os/exec"
	"regexp"
	"testing"

	"yingji/internal/bureau/enterprise"
)

// TestWarningNoticeFitsOnePage prints the 警告通知书 and, when pdfinfo
// is installed, checks it is one page.
func TestWarningNoticeFitsOnePage(t *testing.T) {
	var buf bytes.Buffer
	e := enterprise.Enterprise{Name: "示例县家发镇001号金属制品有限公司", CreditCode: "91349901100000361A", PrincipalName: "韩晓东", SafetyName: "陈海涛"}
	w := Warning{WarnedOn: MustDate("2022-06-06"), Deadline: MustDate("2022-09-06"), Missing: []string{RolePrincipal, RoleSafety}}
	if err := renderWarning(&buf, "示例县", e, w); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatal("not a PDF")
	}
	path, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Skip("pdfinfo not installed")
	}
	cmd := exec.Command(path, "-")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(string(out)) {
		t.Errorf("the notice is not one page:\n%s", out)
	}
}
