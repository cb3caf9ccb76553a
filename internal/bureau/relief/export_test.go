package relief

import (
	"context"
	"fmt"
	"time"

	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// BenchData writes n decided households of programme prog in 籍山镇
// (county+"100", village …201) with 2.75 people each on average, every
// person paid once (口粮, 1 元): the benchmarks' data.
var BenchData = benchData

func benchData(ctx context.Context, s *Service, prog, county string, n int) error {
	return benchPeople(ctx, s, prog, county, 0, n, true)
}

// BenchPeople writes n households of prog whose people are numbered from
// first (DemoID), paid when pay.
var BenchPeople = benchPeople

func benchPeople(ctx context.Context, s *Service, prog, county string, first, n int, pay bool) error {
	now := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	var hs []Household
	var pays []Payment
	var idx []string
	k := first
	for i := range n {
		h := Household{ID: ids.New(), CountyCode: county, ProgrammeID: prog, TownCode: county + "100", VillageCode: county + "100201", Step: StepCounty,
			HeadName: DemoName(k), EnteredBy: "bench", CreatedAt: now, UpdatedAt: now, AccountNo: fmt.Sprintf("62270%014d", i)}
		for range demoSizes[i%len(demoSizes)] {
			m := Member{ID: ids.New(), Name: DemoName(k), IDNumber: DemoID(k)}
			h.Members = append(h.Members, m)
			if !pay {
				k++
				continue
			}
			pays = append(pays, Payment{ID: ids.New(), ProgrammeID: prog, HouseholdID: h.ID, MemberID: m.ID, TownCode: h.TownCode, Category: "food",
				Mode: ModeMoney, Amount: 100, PaidOn: "2022-01-10", RecordedBy: "bench", RecordedAt: now})
			idx = append(idx, s.IndexOf(m.IDNumber))
			k++
		}
		hs = append(hs, h)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.insertHouseholds(ctx, tx, hs); err != nil {
			return err
		}
		return s.insertPayments(ctx, tx, county, pays, idx)
	})
}
