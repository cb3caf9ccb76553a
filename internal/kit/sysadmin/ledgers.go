package sysadmin

import (
	"context"
	"net/url"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/org"
	"yingji/internal/kit/xlsx"
)

// UserLedger is the export of the user list (no import: accounts are
// created one by one with their passwords).
func UserLedger(a *auth.Service, o *org.Service) *ledger.Ledger {
	return &ledger.Ledger{
		Kind:  "users",
		Title: "nav.users",
		Schema: xlsx.Schema{Name: "用户", Columns: []xlsx.Column{
			{Key: "username", Header: "用户名", HeaderEN: "Username", Required: true},
			{Key: "display_name", Header: "姓名", HeaderEN: "Name", Required: true},
			{Key: "role", Header: "角色", HeaderEN: "Role", Required: true},
			{Key: "unit", Header: "所属单位", HeaderEN: "Unit", Width: 20},
			{Key: "town", Header: "所属乡镇", HeaderEN: "Town"},
			{Key: "phone", Header: "手机号", HeaderEN: "Phone"},
			{Key: "status", Header: "状态", HeaderEN: "Status"},
			{Key: "last_login", Header: "最近登录", HeaderEN: "Last login", Width: 18},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			units, err := o.ListUnits(ctx, p, org.UnitFilter{})
			if err != nil {
				return err
			}
			regions, err := o.ListRegions(ctx, p, org.RegionFilter{})
			if err != nil {
				return err
			}
			un, rn := unitNames(units), regionNames(regions)
			f := auth.UserFilter{Q: q.Get("q"), Role: auth.Role(q.Get("role")), UnitID: q.Get("unit"), RegionCode: q.Get("region")}
			for offset := 0; ; offset += 500 {
				f.Limit, f.Offset = 500, offset
				list, _, err := a.ListUsers(ctx, p, f)
				if err != nil {
					return err
				}
				for _, u := range list {
					status := "正常"
					if u.Disabled {
						status = "已停用"
					}
					var last any
					if u.LastLoginAt != nil {
						last = *u.LastLoginAt
					}
					if err := w.Write(u.Username, u.DisplayName, u.Role.Label("zh"), un[u.UnitID], rn[u.RegionCode], u.Phone, status, last); err != nil {
						return err
					}
				}
				if len(list) < 500 {
					return nil
				}
			}
		},
	}
}
