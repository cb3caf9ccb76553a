package app_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"

	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/supplies"
	"yingji/internal/kit/auth"
)

// TestMapLayerFilters: the teams and warehouses layers of the county map
// take their own filters (team type and level, warehouse kind) besides the
// map's town and search; one of them set without a layer shows only that
// layer; the map page offers the layer and its selects.
func TestMapLayerFilters(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine == "postgres")
			ctx := context.Background()
			toks := tokens(t, a)
			admin := a.System()
			rnd := rand.New(rand.NewPCG(7, 7))
			at := func(town string) (*float64, *float64) {
				if a.DemoLocate == nil {
					t.Fatal("no county outline")
				}
				lat, lng, ok := a.DemoLocate(town, rnd)
				if !ok {
					t.Fatalf("cannot place a point in %s", town)
				}
				return &lat, &lng
			}
			t1, t2 := "349901100", "349901101"
			for _, x := range []prepare.Team{
				{Name: "籍山镇巡堤查险队", Kind: prepare.KindDykePatrol, Level: "town", RegionCode: t1, Headcount: 60, DykeSection: "漳河籍山段", PatrolLine: 1},
				{Name: "籍山镇综合应急救援队", Kind: prepare.KindComprehensive, Level: "town", RegionCode: t1, Headcount: 30},
				{Name: "弋江镇巡堤查险队", Kind: prepare.KindDykePatrol, Level: "town", RegionCode: t2, Headcount: 50, DykeSection: "青弋江弋江段", PatrolLine: 2},
				{Name: "县防汛抢险队", Kind: prepare.KindFloodRescue, Level: "county", Headcount: 80},
				{Name: "县专业救援队（无坐标）", Kind: prepare.KindProfessional, Level: "county", Headcount: 20},
			} {
				x.Leader, x.Phone, x.EstablishedOn = "王建华", "13955301234", "2022-03-01"
				if !strings.Contains(x.Name, "无坐标") {
					town := x.RegionCode
					if town == "" {
						town = t1
					}
					x.Lat, x.Lng = at(town)
				}
				if _, err := a.Prepare.SaveTeam(ctx, admin, "", x); err != nil {
					t.Fatalf("%s: %v", x.Name, err)
				}
			}
			for _, w := range []supplies.Warehouse{
				{Name: "县救灾物资储备库", Kind: "county", OwnerUnit: "县应急管理局", TownCode: t1},
				{Name: "籍山镇储备点", Kind: "town", OwnerUnit: "籍山镇人民政府", TownCode: t1},
				{Name: "弋江镇储备点", Kind: "town", OwnerUnit: "弋江镇人民政府", TownCode: t2},
			} {
				w.Lat, w.Lng = at(w.TownCode)
				if _, err := a.Supplies.SaveWarehouse(ctx, admin, w); err != nil {
					t.Fatalf("%s: %v", w.Name, err)
				}
			}
			names := func(query string) map[string][]string {
				t.Helper()
				var out mapPoints
				supJSON(t, a, "GET", "/api/v1/map/points?"+query, toks[auth.RoleAdmin], nil, http.StatusOK, &out)
				got := map[string][]string{}
				for _, l := range out.Layers {
					got[l.Key] = []string{}
					for _, p := range l.Points {
						got[l.Key] = append(got[l.Key], p.Name)
					}
					sort.Strings(got[l.Key])
				}
				return got
			}
			eq := func(what string, got, want []string) {
				t.Helper()
				sort.Strings(want)
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s: %v, want %v", what, got, want)
				}
			}
			// Team type alone: only the teams layer, only patrol teams (the patrolled dyke sections).
			got := names("team_kind=dyke_patrol")
			if len(got) != 1 {
				t.Errorf("team_kind without layer gave layers %v", got)
			}
			eq("patrol teams", got["teams"], []string{"籍山镇巡堤查险队", "弋江镇巡堤查险队"})
			eq("patrol teams of 籍山镇", names("team_kind=dyke_patrol&town=" + t1)["teams"], []string{"籍山镇巡堤查险队"})
			eq("county-level teams", names("layer=teams&team_level=county")["teams"], []string{"县防汛抢险队"})
			eq("teams by name", names("layer=teams&q=综合")["teams"], []string{"籍山镇综合应急救援队"})
			eq("town stores", names("warehouse_kind=town")["warehouses"], []string{"弋江镇储备点", "籍山镇储备点"})
			eq("stores of 籍山镇", names("layer=warehouses&town=" + t1)["warehouses"], []string{"县救灾物资储备库", "籍山镇储备点"})
			if got := names("warehouse_kind=town&team_kind=flood_rescue"); len(got) != 2 || len(got["teams"]) != 1 || len(got["warehouses"]) != 2 {
				t.Errorf("two layers' filters: %v", got)
			}
			// The team without coordinates is counted, not drawn.
			var out mapPoints
			supJSON(t, a, "GET", "/api/v1/map/points?layer=teams", toks[auth.RoleAdmin], nil, http.StatusOK, &out)
			if len(out.Layers) != 1 || out.Layers[0].Count != 4 || out.Layers[0].Missing != 1 {
				t.Errorf("teams layer: %+v", out.Layers)
			}
			// Town staff see their town's teams only, whatever they ask for.
			var town mapPoints
			supJSON(t, a, "GET", "/api/v1/map/points?team_kind=dyke_patrol&town="+t2, toks[auth.RoleTown], nil, http.StatusOK, &town)
			if len(town.Layers) != 1 || town.Layers[0].Count != 0 {
				t.Errorf("town staff asking for another town: %+v", town.Layers)
			}
			// The page offers the layer and its selects, keeping the choice.
			body := do(a, "GET", "/map?layer=teams&team_kind=dyke_patrol", toks[auth.RoleAdmin], nil).Body.String()
			for _, want := range []string{`name="layer"`, `<option value="teams" selected>`, `name="team_kind"`, `<option value="dyke_patrol" selected>`,
				`name="team_level"`, `name="warehouse_kind"`, `data-points="/api/v1/map/points?layer=teams&amp;team_kind=dyke_patrol"`} {
				if !strings.Contains(body, want) {
					t.Errorf("map page lacks %s", want)
				}
			}
		})
	}
}
