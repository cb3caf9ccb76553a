package supplies

import (
	"net/http"
	"strconv"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/web"
)

// ---- items

func (h *Handlers) items(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := web.PagingOf(r)
	list, total, err := h.Svc.Items(r.Context(), web.PrincipalFrom(r.Context()), ItemFilter{Q: q.Get("q"), Category: q.Get("category"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_items", "supplies.nav_items", "supply-items", map[string]any{"Items": list, "Pager": web.PagerOf(pg, total)}, nil)
}

func itemValues(it Item) map[string]string {
	return map[string]string{"name": it.Name, "unit": it.Unit, "category": it.Category, "spec": it.Spec, "min_qty": strconv.FormatInt(it.MinQty, 10), "stat_key": it.StatKey}
}

func (h *Handlers) itemNew(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, "supplies_item_form", "supplies.item_new", "supply-items", nil, web.EmptyForm(map[string]string{"category": "clothing"}))
}

func (h *Handlers) itemEdit(w http.ResponseWriter, r *http.Request) {
	it, err := h.Svc.Item(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "supplies_item_form", "supplies.item_edit", "supply-items", map[string]any{"Item": it}, web.EmptyForm(itemValues(it)))
}

func (h *Handlers) itemSave(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalFrom(r.Context())
	f := web.NewForm(r)
	var fe errs.FieldErrors
	it := Item{ID: r.PathValue("id"), Name: f.Get("name"), Unit: f.Get("unit"), Category: f.Get("category"), Spec: f.Get("spec"), StatKey: f.Get("stat_key")}
	it.MinQty = intField(f, "min_qty", &fe)
	err := fe.Err()
	if err == nil && it.ID != "" {
		_, err = h.Svc.Item(r.Context(), p, it.ID)
	}
	if err == nil {
		it, err = h.Svc.SaveItem(r.Context(), p, it)
	}
	if err != nil {
		h.UI.FormFailed(w, r, f, err, web.HasFieldErrors, func(status int) {
			h.page(w, r, status, "supplies_item_form", "supplies.item_new", "supply-items", map[string]any{"Item": it}, f)
		})
		return
	}
	h.UI.Redirect(w, r, "/supply-items", "action.saved")
}
