package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/web"
)

var navLink = regexp.MustCompile(`<a href="([^"]+)"`)

// TestNavFollowsPolicy opens the home page as every role and follows every
// link of the left navigation: the route × role policy must allow each, so
// no role sees entries it cannot use (the enterprise account's own pages
// may answer 404 here: the county's enterprises are not loaded).
func TestNavFollowsPolicy(t *testing.T) {
	a := start(t, false)
	toks := tokens(t, a)
	for _, role := range auth.AllRoles {
		body := page(t, a, toks[role], "/")
		i := strings.Index(body, `<nav class="sidenav"`)
		j := strings.Index(body[i:], "</nav>")
		nav := body[i : i+j]
		links := navLink.FindAllStringSubmatch(nav, -1)
		if len(links) == 0 {
			t.Errorf("%s: empty navigation", role)
		}
		var hrefs []string
		for _, m := range links {
			href := m[1]
			hrefs = append(hrefs, href)
			rec := do(a, http.MethodGet, href, toks[role], nil)
			if rec.Code == http.StatusForbidden && rec.Header().Get(web.DeniedByHeader) == "policy" {
				t.Errorf("%s: the navigation links to %s, which the policy refuses", role, href)
			} else if rec.Code == http.StatusUnauthorized {
				t.Errorf("%s: the navigation links to %s, which asks to log in", role, href)
			}
		}
		// Staff who run nothing of the system see no 系统管理 menu.
		if role == auth.RoleTown || role == auth.RoleDepartment || role == auth.RoleDuty || role == auth.RoleEnterprise {
			if strings.Contains(nav, ">系统管理<") {
				t.Errorf("%s sees a 系统管理 menu", role)
			}
		}
		t.Logf("%s: %s", role, strings.Join(hrefs, " "))
	}
}
