package warning

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"time"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// The signed link (签收链接): no login; the token names the unit.

func (h *Handlers) ackPage(w http.ResponseWriter, r *http.Request) {
	x, rec, err := h.Svc.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	data := map[string]any{"W": x, "R": rec}
	h.UI.Show(w, r, http.StatusOK, "warning_ack", "warning.ack_title", "", data, web.EmptyForm(nil))
}

func (h *Handlers) ackLink(w http.ResponseWriter, r *http.Request) {
	f := web.NewForm(r)
	token := r.PathValue("token")
	_, _, err := h.Svc.AckByToken(r.Context(), token, f.Get("by"), web.ClientIP(r))
	if err != nil && !errs.Is(err, errs.Conflict) {
		h.UI.Error(w, r, err)
		return
	}
	h.UI.Redirect(w, r, "/ack/"+token, "warning.done_ack")
}

// Atom feed (RFC 4287) of the warnings in force.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Summary   string     `xml:"summary"`
	Link      []atomLink `xml:"link"`
}

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	county := h.County
	if p := web.PrincipalFrom(r.Context()); p != nil {
		county = p.CountyCode
	}
	list, err := h.Svc.ActiveList(r.Context(), county)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	base := h.Base
	if base == "" { // Atom wants absolute links: the address the reader used
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	updated := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	f := atomFeed{ID: "urn:yingji:warnings:" + county, Title: "预警信息 / Warnings in force", Author: atomPerson{Name: Sender(county)},
		Link: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/warnings/feed.atom"}}}
	for _, x := range list {
		if x.UpdatedAt.After(updated) {
			updated = x.UpdatedAt
		}
		f.Entries = append(f.Entries, atomEntry{ID: "urn:cap:" + x.Identifier, Title: x.Headline, Updated: x.UpdatedAt.UTC().Format(time.RFC3339),
			Published: x.PublishedAt.UTC().Format(time.RFC3339), Author: atomPerson{Name: x.Source},
			Summary: fmt.Sprintf("%s 生效 %s，失效 %s", x.Headline, x.EffectiveAt.In(cst).Format("2006-01-02 15:04"), x.ExpiresAt.In(cst).Format("2006-01-02 15:04")),
			Link:    []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: base + "/warnings/" + x.ID + "/cap.xml"}}})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	body, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}
