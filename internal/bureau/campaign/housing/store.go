package housing

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// buildingCols are housing_building's columns in insert order.
const buildingCols = `id, campaign_id, county_code, code, town_code, village_code, urban, address, lat, lng, structure, storeys, year_built,
	floor_area, business, business_type, owner_name, owner_phone, owner_id_number, owner_mask, stage, surveyed_on, judged_on, hazard,
	assessed_on, need_appraisal, assessed_by, appraised_on, grade, agency, measure, remediated_on, closed_on, created_at, updated_at,
	hazard_level, check_structure, check_business, check_legal`

const nBuildingCols = 39

// rec is the compact form of a building kept for bulk writes (imports
// and the demo): days as day numbers, stage, grade and measure as small
// codes, the owner in clear (sealed when written). About 250 bytes a row
// plus its text, so a 128,053-row import holds a few tens of MB.
type rec struct {
	campaign, code, town, village, address, structure, businessType, agency string
	ownerName, ownerPhone, ownerID                                          string
	lat, lng, area                                                          float64
	storeys, year                                                           int32
	surveyed, judged, assessed, appraised, remediated, closed               int32
	hasPoint, urban, business, hazard, need                                 bool
	stage, grade, measure, assessor                                         uint8
	level, cStructure, cBusiness, cLegal                                    uint8 // 初判 grading and check items
}

func indexOf[T comparable](list []T, v T) uint8 {
	for i, x := range list {
		if x == v {
			return uint8(i + 1)
		}
	}
	return 0
}

func at[T any](list []T, i uint8, zero T) T {
	if i == 0 || int(i) > len(list) {
		return zero
	}
	return list[i-1]
}

var measureCodes = []string{MeasureDemolish, MeasureReinforce, MeasureStopUse, MeasureRestrict}
var assessorCodes = []string{"expert", "third_party"}
var levelCodes = []string{LevelNone, LevelGeneral, LevelCollapse}
var checkCodes = []string{CheckOK, CheckProblem, CheckNA}

// recOf packs a building.
func recOf(b Building) rec {
	r := rec{campaign: b.CampaignID, code: b.Code, town: b.TownCode, village: b.VillageCode, address: b.Address, structure: b.Structure,
		businessType: b.BusinessType, agency: b.Agency, ownerName: b.Owner.Name, ownerPhone: b.Owner.Phone, ownerID: b.Owner.IDNumber,
		area: b.FloorArea, storeys: int32(b.Storeys), year: int32(b.YearBuilt), urban: b.Urban, business: b.Business, hazard: b.Hazard,
		need: b.NeedAppraisal, surveyed: day.Number(b.SurveyedOn), judged: day.Number(b.JudgedOn), assessed: day.Number(b.AssessedOn),
		appraised: day.Number(b.AppraisedOn), remediated: day.Number(b.RemediatedOn), closed: day.Number(b.ClosedOn),
		stage: indexOf(Stages, b.Stage), grade: indexOf(Grades, b.Grade), measure: indexOf(measureCodes, b.Measure),
		assessor: indexOf(assessorCodes, b.AssessedBy)}
	r.setJudgement(b)
	if b.Lat != nil && b.Lng != nil {
		r.hasPoint, r.lat, r.lng = true, *b.Lat, *b.Lng
	}
	return r
}

// setStages copies a building's stage fields into r.
func (r *rec) setStages(b Building) {
	r.hazard, r.need = b.Hazard, b.NeedAppraisal
	r.judged, r.assessed, r.appraised = day.Number(b.JudgedOn), day.Number(b.AssessedOn), day.Number(b.AppraisedOn)
	r.remediated, r.closed = day.Number(b.RemediatedOn), day.Number(b.ClosedOn)
	r.stage, r.grade, r.measure = indexOf(Stages, b.Stage), indexOf(Grades, b.Grade), indexOf(measureCodes, b.Measure)
	r.assessor, r.agency = indexOf(assessorCodes, b.AssessedBy), b.Agency
	r.setJudgement(b)
}

// setJudgement copies the 初判 grading and check items into r.
func (r *rec) setJudgement(b Building) {
	r.level, r.cStructure = indexOf(levelCodes, b.HazardLevel), indexOf(checkCodes, b.CheckStructure)
	r.cBusiness, r.cLegal = indexOf(checkCodes, b.CheckBusiness), indexOf(checkCodes, b.CheckLegal)
}

// building unpacks a rec (without its id and owner).
func (r *rec) building() Building {
	b := Building{CampaignID: r.campaign, Code: r.code, TownCode: r.town, VillageCode: r.village, Address: r.address, Structure: r.structure,
		BusinessType: r.businessType, Agency: r.agency, FloorArea: r.area, Storeys: int(r.storeys), YearBuilt: int(r.year), Urban: r.urban,
		Business: r.business, Hazard: r.hazard, NeedAppraisal: r.need, SurveyedOn: day.FromNumber(r.surveyed), JudgedOn: day.FromNumber(r.judged),
		AssessedOn: day.FromNumber(r.assessed), AppraisedOn: day.FromNumber(r.appraised), RemediatedOn: day.FromNumber(r.remediated),
		ClosedOn: day.FromNumber(r.closed), Stage: at(Stages, r.stage, Surveyed), Grade: at(Grades, r.grade, ""),
		Measure: at(measureCodes, r.measure, ""), AssessedBy: at(assessorCodes, r.assessor, ""), HazardLevel: at(levelCodes, r.level, ""),
		CheckStructure: at(checkCodes, r.cStructure, ""), CheckBusiness: at(checkCodes, r.cBusiness, ""), CheckLegal: at(checkCodes, r.cLegal, "")}
	if r.hasPoint {
		lat, lng := r.lat, r.lng
		b.Lat, b.Lng = &lat, &lng
	}
	return b
}

func seal(s *crypt.Sealer, v string) string { return person.Seal(s, v) }

// unseal opens a sealed owner field; one that cannot be opened shows as ?.
func unseal(s *crypt.Sealer, v string) string {
	out, err := person.Open(s, v)
	if err != nil {
		return "?"
	}
	return out
}

func nullPoint(has bool, v float64) any {
	if !has {
		return nil
	}
	return v
}

// placeholders writes "($k+1,…,$k+n)".
func placeholders(b *strings.Builder, k, n int) {
	b.WriteByte('(')
	for j := 1; j <= n; j++ {
		if j > 1 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(k + j))
	}
	b.WriteByte(')')
}

// insertRecs writes buildings in multi-row INSERTs and returns their ids
// in order. seen is called after each batch with the number written.
func insertRecs(ctx context.Context, tx *store.Tx, county string, sealer *crypt.Sealer, now time.Time, recs []rec, seen func(done int) error) ([]string, error) {
	out := make([]string, len(recs))
	err := store.Bulk{Head: `INSERT INTO housing_building (` + buildingCols + `)`, Width: nBuildingCols}.Write(ctx, tx, len(recs), func(i int, args []any) []any {
		r := &recs[i]
		id := ids.New()
		out[i] = id
		owner := Owner{Name: r.ownerName, Phone: r.ownerPhone, IDNumber: r.ownerID}
		args = append(args, id, r.campaign, county, r.code, r.town, r.village, r.urban, r.address, nullPoint(r.hasPoint, r.lat),
			nullPoint(r.hasPoint, r.lng), r.structure, int64(r.storeys), int64(r.year), r.area, r.business, r.businessType,
			seal(sealer, owner.Name), seal(sealer, owner.Phone), seal(sealer, owner.IDNumber), OwnerMask(owner),
			string(at(Stages, r.stage, Surveyed)), day.FromNumber(r.surveyed), day.FromNumber(r.judged), r.hazard,
			day.FromNumber(r.assessed), r.need, at(assessorCodes, r.assessor, ""), day.FromNumber(r.appraised),
			at(Grades, r.grade, ""), r.agency, at(measureCodes, r.measure, ""), day.FromNumber(r.remediated), day.FromNumber(r.closed), now, now,
			at(levelCodes, r.level, ""), at(checkCodes, r.cStructure, ""), at(checkCodes, r.cBusiness, ""), at(checkCodes, r.cLegal, ""))
		return args
	}, seen)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanBuilding reads a row of buildingCols; the owner stays sealed.
func scanBuilding(row interface{ Scan(...any) error }) (Building, string, error) {
	var b Building
	var lat, lng sql.NullFloat64
	var storeys, year int64
	var stage, mask string
	var created, updated time.Time
	err := row.Scan(&b.ID, &b.CampaignID, &b.CountyCode, &b.Code, &b.TownCode, &b.VillageCode, &b.Urban, &b.Address, &lat, &lng,
		&b.Structure, &storeys, &year, &b.FloorArea, &b.Business, &b.BusinessType, &b.Owner.Name, &b.Owner.Phone, &b.Owner.IDNumber, &mask,
		&stage, &b.SurveyedOn, &b.JudgedOn, &b.Hazard, &b.AssessedOn, &b.NeedAppraisal, &b.AssessedBy, &b.AppraisedOn, &b.Grade,
		&b.Agency, &b.Measure, &b.RemediatedOn, &b.ClosedOn, &created, &updated, &b.HazardLevel, &b.CheckStructure, &b.CheckBusiness, &b.CheckLegal)
	if lat.Valid && lng.Valid {
		b.Lat, b.Lng = &lat.Float64, &lng.Float64
	}
	b.Storeys, b.YearBuilt, b.Stage = int(storeys), int(year), Stage(stage)
	return b, mask, err
}

// listCols are the columns the list and the export read (no sealed data).
const listCols = `id, campaign_id, code, town_code, village_code, urban, address, lat, lng, structure, storeys, year_built, floor_area,
	business, business_type, owner_mask, stage, surveyed_on, judged_on, hazard, assessed_on, need_appraisal, assessed_by,
	appraised_on, grade, agency, measure, remediated_on, closed_on, hazard_level, check_structure, check_business, check_legal`

// Row is a building as the list and the export show it: the owner only
// masked.
type Row struct {
	Building
	OwnerMask string `json:"owner_mask"`
}

func scanRow(row interface{ Scan(...any) error }, r *Row) error {
	var lat, lng sql.NullFloat64
	var storeys, year int64
	var stage string
	err := row.Scan(&r.ID, &r.CampaignID, &r.Code, &r.TownCode, &r.VillageCode, &r.Urban, &r.Address, &lat, &lng, &r.Structure,
		&storeys, &year, &r.FloorArea, &r.Business, &r.BusinessType, &r.OwnerMask, &stage, &r.SurveyedOn, &r.JudgedOn, &r.Hazard,
		&r.AssessedOn, &r.NeedAppraisal, &r.AssessedBy, &r.AppraisedOn, &r.Grade, &r.Agency, &r.Measure, &r.RemediatedOn, &r.ClosedOn,
		&r.HazardLevel, &r.CheckStructure, &r.CheckBusiness, &r.CheckLegal)
	r.Lat, r.Lng = nil, nil
	if lat.Valid && lng.Valid {
		la, lo := lat.Float64, lng.Float64
		r.Lat, r.Lng = &la, &lo
	}
	r.Storeys, r.YearBuilt, r.Stage = int(storeys), int(year), Stage(stage)
	r.OwnerMasked = true
	return err
}

// tally collects the changes of the daily and facet counts of a write, so
// that they go to the database in a few upserts.
type tally struct {
	daily map[dailyKey]int64
	facet map[facetKey]int64
}

type dailyKey struct {
	campaign, town string
	urban          bool
	metric         Metric
	on             string
}

type facetKey struct {
	campaign string
	Facet
}

func newTally() *tally {
	return &tally{daily: map[dailyKey]int64{}, facet: map[facetKey]int64{}}
}

// add counts a building (sign +1) or removes it (−1).
func (t *tally) add(b Building, sign int64) {
	for _, m := range Marks(b) {
		t.daily[dailyKey{b.CampaignID, b.TownCode, b.Urban, m.Metric, m.On}] += sign
	}
	t.facet[facetKey{b.CampaignID, FacetOf(b)}] += sign
}

// step counts the change from before to after.
func (t *tally) step(before, after Building) {
	t.add(before, -1)
	t.add(after, 1)
}

const upsertBatch = 200

// write upserts the collected counts.
func (t *tally) write(ctx context.Context, tx *store.Tx) error {
	var b strings.Builder
	var args []any
	flush := func(head, tail string) error {
		if len(args) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, head+b.String()+tail, args...)
		b.Reset()
		args = args[:0]
		return err
	}
	const dHead = `INSERT INTO housing_daily (campaign_id, town_code, urban, metric, on_day, n) VALUES `
	const dTail = ` ON CONFLICT (campaign_id, town_code, urban, metric, on_day) DO UPDATE SET n = housing_daily.n + excluded.n`
	n := 0
	for k, v := range t.daily {
		if v == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		placeholders(&b, len(args), 6)
		args = append(args, k.campaign, k.town, k.urban, string(k.metric), k.on, v)
		if n++; n == upsertBatch {
			if err := flush(dHead, dTail); err != nil {
				return fmt.Errorf("housing daily counts: %w", err)
			}
			n = 0
		}
	}
	if err := flush(dHead, dTail); err != nil {
		return fmt.Errorf("housing daily counts: %w", err)
	}
	const fHead = `INSERT INTO housing_facet (campaign_id, town_code, village_code, urban, business, stage, grade, n) VALUES `
	const fTail = ` ON CONFLICT (campaign_id, town_code, village_code, urban, business, stage, grade) DO UPDATE SET n = housing_facet.n + excluded.n`
	n = 0
	for k, v := range t.facet {
		if v == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		placeholders(&b, len(args), 8)
		args = append(args, k.campaign, k.Town, k.Village, k.Urban, k.Business, string(k.Stage), k.Grade, v)
		if n++; n == upsertBatch {
			if err := flush(fHead, fTail); err != nil {
				return fmt.Errorf("housing facet counts: %w", err)
			}
			n = 0
		}
	}
	if err := flush(fHead, fTail); err != nil {
		return fmt.Errorf("housing facet counts: %w", err)
	}
	return nil
}
