package workorder

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
)

// CallStats are the 12329 call centre's figures for one period (接通、放弃、
// 平均处理时长), kept for the analytics of the integrated management system.
type CallStats struct {
	PeriodStart   time.Time
	PeriodMinutes int
	Answered      int
	Abandoned     int
	AvgHandleSec  int
}

// RecordCallStats stores one period's figures; a period sent again replaces
// the earlier figures. Audited (hotline.stats). The hotline channel validates
// the figures before calling it.
func (s *Service) RecordCallStats(ctx context.Context, st CallStats) error {
	start := st.PeriodStart.UTC().Truncate(time.Second)
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM hotline_call_stat WHERE period_start = ?`, start); err != nil {
			return fmt.Errorf("workorder: call stats: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO hotline_call_stat (period_start, period_minutes, answered, abandoned,
			avg_handle_sec, received_at) VALUES (?, ?, ?, ?, ?, ?)`, start, st.PeriodMinutes, st.Answered, st.Abandoned, st.AvgHandleSec,
			db.Now()); err != nil {
			return fmt.Errorf("workorder: call stats: %w", err)
		}
		_, err := s.audit.Append(ctx, tx, audit.Record{Action: "hotline.stats", Object: "hotline-stats:" + start.Format(time.RFC3339)})
		return err
	})
}
