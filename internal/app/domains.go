package app

import (
	"context"
	"strings"
	"yingji/internal/bureau/accident"

	"yingji/internal/bureau/campaign"
	"yingji/internal/bureau/certificate"
	"yingji/internal/bureau/duty"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/facility"
	"yingji/internal/bureau/hazard"
	"yingji/internal/bureau/hazard/supervise"
	"yingji/internal/bureau/inspection"
	"yingji/internal/bureau/licence"
	"yingji/internal/bureau/prepare"
	"yingji/internal/bureau/relief"
	"yingji/internal/bureau/supplies"
	"yingji/internal/bureau/warning"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/geo"
	"yingji/internal/kit/ledger"
)

type (
	ledgerT = ledger.Ledger
)

// domains are the services of the pieces of the bureau's work, set by
// their mod_*.go files, and the hooks through which they meet.
type domains struct {
	// Accident is the accident register (duty incidents link to it).
	Accident *accident.Service

	// Sealer seals sensitive fields at rest (ID numbers, recipients' phones).
	Sealer *crypt.Sealer

	Enterprise *enterprise.Service
	// Facility is the facilities ledger (mines, tailings ponds, major
	// hazard sources); reports use its CountsAt and StatusChangesBetween.
	Facility *facility.Service
	// Licence is administrative licensing (report figures).
	Licence *licence.Service
	// Certificate is the people's certificates register (report figures).
	Certificate *certificate.Service
	// Prepare is the preparedness registers (plans, drills, teams,
	// experts); the supplies module may set Prepare.Supplies.
	Prepare *prepare.Service
	// Hazard is the hazard ledger and closed loop (report figures, cards).
	Hazard *hazard.Service
	// Supervise is cards, supervision letters, listings and extensions
	// (report figures: LetterStats, ListingStats).
	Supervise *supervise.Service

	// Relief is household relief: programmes, households, payments
	// (report figure F-REL-1; the supplies module sets its goods hook).
	Relief *relief.Service

	// Campaign is the housing survey, data calls and special campaigns.
	Campaign *campaign.Service
	// Inspection is enforcement plans, 双随机 draws and inspections (the
	// documents module reads an inspection through it).
	Inspection *inspection.Service

	// Supplies is emergency supplies: warehouses, stock, dispatch orders
	// (other modules issue goods with Supplies.Issue).
	Supplies *supplies.Service

	// Duty is the duty desk (the dashboard reads its running incidents
	// and 批示 to follow).
	Duty *duty.Service

	// Warning is the warnings desk (预警信息; CAP export and import).
	Warning *warning.Service

	// EnterpriseRelated lists other domains' records on an enterprise's
	// page (facilities, licences, certificates …); modules append to it.
	EnterpriseRelated []enterprise.RelatedFunc
	// CountyBounds is the county's extent for coordinate checks (set by
	// the map module; nil: not checked).
	CountyBounds *enterprise.Bounds
	// DemoLocate places demo records inside their town (set by the map
	// module; nil: demo records have no coordinates).
	DemoLocate enterprise.Locate
	// MapLayers are the map's layers; modules with places append theirs.
	MapLayers []geo.Layer
}

// regionName names a region code for the audit log (a code that is not a
// region, or unknown, keeps its code).
func (a *App) regionName(ctx context.Context, _ string, code string) (string, bool) {
	if len(code) < 6 || strings.Trim(code, "0123456789") != "" {
		return "", false
	}
	name, err := a.Org.RegionName(ctx, code)
	if err != nil || name == "" {
		return "", false
	}
	return name, true
}
