package app

import (
	"context"
	"log/slog"
	"time"

	"gjj/internal/signing"
)

// newSealer is the sealer of kiosk keys and agency secrets at rest under
// GJJ_SECRET_KEY; without it the development key, with a warning.
func newSealer(secretKey string, log *slog.Logger) (*signing.Sealer, error) {
	master, err := signing.ParseMasterKey(secretKey)
	if err != nil {
		return nil, err
	}
	s, err := signing.NewSealer(master)
	if err != nil {
		return nil, err
	}
	if s.Dev() {
		log.Warn("GJJ_SECRET_KEY is not set: kiosk keys and agency secrets are sealed with the development key; set it in production")
	}
	return s, nil
}

// sealPlaintextKeys seals the kiosk keys and agency secrets an earlier
// version stored in plain text (idempotent; several instances may run it).
func sealPlaintextKeys(ctx context.Context, a *App, log *slog.Logger) error {
	k, err := a.Kiosk.Devices.SealPlaintext(ctx)
	if err != nil {
		return err
	}
	g, err := a.Gov.Agencies.SealPlaintext(ctx)
	if err != nil {
		return err
	}
	if k+g > 0 {
		log.Info("sealed keys stored in plain text", "kiosks", k, "agencies", g)
	}
	return nil
}

// StartBackground starts the loops a serving instance runs: the notice
// dispatcher (every 30 s). gjj serve calls it; tests drive the dispatcher
// themselves. Close stops it.
func (a *App) StartBackground() {
	a.NoticeQueue.Start(30 * time.Second)
}
