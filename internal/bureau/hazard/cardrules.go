package hazard

import (
	"context"
	"time"

	"yingji/internal/kit/store"
)

// CardRulesKey is the setting (table setting, one row per county and key)
// that holds a county's card rules as JSON. It is the one source of the
// rules: the ledger, the hazard page, the API, the export and the deadline
// sweep of package supervise all read it through ReadCardRules; the card
// settings page of package supervise writes it through WriteCardRulesTx.
const CardRulesKey = "hazard.card_rules"

// ReadCardRules returns a county's card rules (the defaults where the
// county saved none).
func ReadCardRules(ctx context.Context, q store.Querier, county string) (CardRules, error) {
	r := DefaultCardRules()
	_, err := store.ReadSetting(ctx, q, county, CardRulesKey, &r)
	return r, err
}

// WriteCardRulesTx stores a county's card rules inside tx (the caller
// validates them and audits the change).
func WriteCardRulesTx(ctx context.Context, tx *store.Tx, county string, r CardRules, now time.Time) error {
	return store.WriteSetting(ctx, tx, county, CardRulesKey, r, now)
}

// CardRules returns a county's card rules.
func (s *Service) CardRules(ctx context.Context, county string) (CardRules, error) {
	return ReadCardRules(ctx, s.db.R(), county)
}

// CardOf is the card a hazard carries today under its county's rules (the
// answer the sweep writes when it runs today).
func (s *Service) CardOf(ctx context.Context, r Record) (Card, error) {
	rules, err := s.CardRules(ctx, r.CountyCode)
	if err != nil {
		return NoCard, err
	}
	return CardFor(r.Rules(), mustDate(s.Today()), rules), nil
}
