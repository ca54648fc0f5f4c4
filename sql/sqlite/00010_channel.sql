-- +goose Up
-- Channel gate statistics (internal/channel): one row per Asia/Shanghai
-- calendar hour × channel × service item, added to by every instance with
-- additive upserts. admitted includes the requests that then failed with a
-- server error (errors); requests = admitted + diverted + closed. Latencies
-- are of admitted requests, in microseconds; lat_le_* are cumulative counts.
CREATE TABLE channel_stat_hour (
  stat_day       TEXT    NOT NULL,
  hour_of_day    INTEGER NOT NULL,
  channel        TEXT    NOT NULL,
  item           TEXT    NOT NULL,
  requests       INTEGER NOT NULL DEFAULT 0,
  admitted       INTEGER NOT NULL DEFAULT 0,
  diverted       INTEGER NOT NULL DEFAULT 0,
  closed         INTEGER NOT NULL DEFAULT 0,
  errors         INTEGER NOT NULL DEFAULT 0,
  latency_us_sum INTEGER NOT NULL DEFAULT 0,
  lat_le_100ms   INTEGER NOT NULL DEFAULT 0,
  lat_le_500ms   INTEGER NOT NULL DEFAULT 0,
  lat_le_2s      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (stat_day, hour_of_day, channel, item)
);

-- Amounts counted against the per-day limits of the switch matrix: per
-- business date × channel × item × subject (SHA-256 of the ID or account
-- number, never the number itself). Rows older than a week are deleted.
CREATE TABLE channel_amount_day (
  biz_date     TEXT    NOT NULL,
  channel      TEXT    NOT NULL,
  item         TEXT    NOT NULL,
  subject_hash TEXT    NOT NULL,
  used_fen     INTEGER NOT NULL DEFAULT 0,
  updated_at   DATETIME NOT NULL,
  PRIMARY KEY (biz_date, channel, item, subject_hash)
);

-- +goose Down
DROP TABLE channel_amount_day;
DROP TABLE channel_stat_hour;
