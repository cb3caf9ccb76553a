package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
	"yingji/internal/kit/figure"

	"yingji/internal/kit/attach"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/notify"
	"yingji/internal/kit/sysadmin"
)

// buildBackground creates the notification service (outbox and channels)
// and the job runner.
func (a *App) buildBackground() error {
	var cc notify.ChannelConfig
	if a.Cfg.NotifyConfig != "" {
		b, err := os.ReadFile(a.Cfg.NotifyConfig)
		if err != nil {
			return fmt.Errorf("notification channels: %w", err)
		}
		if err := json.Unmarshal(b, &cc); err != nil {
			return fmt.Errorf("notification channels in %s: %w", a.Cfg.NotifyConfig, err)
		}
	}
	channels, err := cc.Build(a.Now)
	if err != nil {
		return fmt.Errorf("notification channels: %w", err)
	}
	dir := notify.DirectoryFunc(func(ctx context.Context, userID, channel string) (string, error) {
		if channel == notify.ChannelSMS {
			return a.Auth.Phone(ctx, userID)
		}
		return "", nil
	})
	a.Notify, err = notify.New(a.DB, notify.Config{Now: a.Now, Channels: channels, Directory: dir, Logger: a.Log, LinkBase: a.Cfg.PublicURL})
	if err != nil {
		return err
	}
	if a.JobHandlers == nil {
		a.JobHandlers = map[string]jobs.Handler{}
	}
	return nil
}

// Start starts background work: the job runner and the notification
// sender. Stop ends both.
func (a *App) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	a.stop = cancel
	if err := a.Jobs.Start(ctx); err != nil {
		cancel()
		return fmt.Errorf("start jobs: %w", err)
	}
	go a.Notify.Sender().Run(ctx)
	return nil
}

// Stop stops background work and waits for running jobs.
func (a *App) Stop() {
	if a.stop != nil {
		a.stop()
	}
	a.Jobs.Stop()
}

// buildLedgers creates the attachment store and the Excel registers with
// the import job.
func (a *App) buildLedgers() error {
	blobs, err := attach.NewDiskBlobs(filepath.Join(a.Cfg.DataDir, "attachments"))
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	a.Attach = attach.NewService(a.DB, blobs, attach.Config{MaxSize: ledger.MaxUpload})
	a.Ledgers = ledger.NewRegistry()
	a.Figures = figure.NewRegistry()
	a.Ledgers.Add(a.Org.RegionLedger())
	a.Ledgers.Add(a.Org.UnitLedger())
	a.Ledgers.Add(sysadmin.UserLedger(a.Auth, a.Org))
	a.ledgerH = &ledger.Handlers{DB: a.DB, Attach: a.Attach, Registry: a.Ledgers, Principal: a.Auth.PrincipalByID, Examples: a.templateExamples}
	a.JobHandlers[ledger.JobKind] = a.ledgerH.JobHandler()
	a.JobHandlers[attachSweepJob] = a.sweepAttachments
	return nil
}

// attachSweepJob removes attachment files that no row refers to (a crash
// between writing the file and committing its row) once they are an hour
// old; it runs every hour.
const attachSweepJob = "attach_sweep"

func (a *App) sweepAttachments(ctx context.Context, _ *jobs.Job, prog jobs.Progress) error {
	n, err := a.Attach.SweepOrphans(ctx, time.Hour)
	if err != nil {
		return err
	}
	prog.Set(int64(n), int64(n), fmt.Sprintf("已清理 %d 个无主附件文件", n))
	if n > 0 {
		a.Log.Info("orphaned attachment files removed", "count", n)
	}
	return nil
}
