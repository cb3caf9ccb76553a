package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"yingji/internal/jobs"
	"yingji/internal/notify"
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
	a.Notify, err = notify.New(a.DB, notify.Config{Now: a.Now, Channels: channels, Directory: dir, Logger: a.Log})
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
