package prepare

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// AddFile attaches a file (the plan text, review minutes, the 备案 form …)
// to the plan's current version: it is stored through internal/kit/attach and
// recorded as a "file" step of that version.
func (s *Service) AddFile(ctx context.Context, p *auth.Principal, planID string, up attach.Upload) (attach.Attachment, error) {
	var out attach.Attachment
	if s.Files == nil {
		return out, errs.New(errs.Unavailable, "prepare.files_unavailable")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := s.getPlan(ctx, tx, p, planID)
		if err != nil {
			return err
		}
		if !CanWriteRow(p, x.RegionCode, x.EnterpriseID) && !CanFile(p) {
			return errs.New(errs.Forbidden, "forbidden")
		}
		up.CountyCode, up.OwnerEntity, up.OwnerID, up.UploadedBy = x.CountyCode, "prep_plan", x.ID, p.UserID
		a, err := s.Files.Save(ctx, tx, up)
		if err != nil {
			return err
		}
		var seq int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM prep_plan_step WHERE plan_id = $1`, x.ID).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO prep_plan_step (id, county_code, plan_id, seq, version, step, on_date, detail, attachment_id,
			recorded_by, recorded_name, recorded_at) VALUES ($1,$2,$3,$4,$5,'file',$6,$7,$8,$9,$10,$11)`,
			ids.New(), x.CountyCode, x.ID, seq+1, x.Version, s.Today(), a.Filename, a.ID, p.UserID, p.DisplayName, s.now().UTC()); err != nil {
			return fmt.Errorf("plan file step: %w", err)
		}
		out = a
		return s.record(ctx, tx, p, "prep_plan", x.ID, "file", nil, map[string]any{"file": a.Filename, "version": x.Version})
	})
	return out, err
}

// File returns a file of a plan in p's scope.
func (s *Service) File(ctx context.Context, p *auth.Principal, planID, fileID string) (attach.Attachment, error) {
	if s.Files == nil {
		return attach.Attachment{}, errs.New(errs.NotFound, "not_found")
	}
	if _, err := s.GetPlan(ctx, p, planID); err != nil {
		return attach.Attachment{}, err
	}
	a, err := s.Files.Get(ctx, fileID)
	if err != nil || a.OwnerEntity != "prep_plan" || a.OwnerID != planID {
		return attach.Attachment{}, errs.New(errs.NotFound, "not_found")
	}
	return a, nil
}

// maxFile bounds a plan file upload.
const maxFile = 20 << 20

func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFile+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		h.UI.Fail(w, r, http.StatusRequestEntityTooLarge, "prepare.file_too_large")
		return
	}
	var file multipart.File
	var name string
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				h.UI.Error(w, r, err)
				return
			}
			defer f.Close()
			file, name = f, fhs[0].Filename
		}
	}
	id := r.PathValue("id")
	if file == nil {
		h.UI.Error(w, r, errs.Field("file", "prepare.file_required", nil))
		return
	}
	_, err := h.Svc.AddFile(r.Context(), web.PrincipalFrom(r.Context()), id, attach.Upload{Filename: name, Reader: file})
	h.UI.Done(w, r, err, "/plans/"+id, "action.saved")
}

func (h *Handlers) download(w http.ResponseWriter, r *http.Request) {
	a, err := h.Svc.File(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	_, rc, err := h.Svc.Files.Open(r.Context(), a.ID)
	if err != nil {
		h.UI.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(strings.ReplaceAll(a.Filename, "/", "_")))
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	_, _ = io.Copy(w, rc)
}
