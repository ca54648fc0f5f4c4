-- +goose Up
-- Channel gate statistics (internal/channel): one row per Asia/Shanghai
-- calendar hour × channel × service item, added to by every instance with
-- additive upserts. admitted includes the requests that then failed with a
-- server error (errors); requests = admitted + diverted + closed. Latencies
-- are of admitted requests, in microseconds; lat_le_* are cumulative counts.
CREATE TABLE channel_stat_hour (
  stat_day       DATE        NOT NULL,
  hour_of_day    TINYINT     NOT NULL,
  channel        VARCHAR(16) NOT NULL,
  item           VARCHAR(16) NOT NULL,
  requests       BIGINT      NOT NULL DEFAULT 0,
  admitted       BIGINT      NOT NULL DEFAULT 0,
  diverted       BIGINT      NOT NULL DEFAULT 0,
  closed         BIGINT      NOT NULL DEFAULT 0,
  errors         BIGINT      NOT NULL DEFAULT 0,
  latency_us_sum BIGINT      NOT NULL DEFAULT 0,
  lat_le_100ms   BIGINT      NOT NULL DEFAULT 0,
  lat_le_500ms   BIGINT      NOT NULL DEFAULT 0,
  lat_le_2s      BIGINT      NOT NULL DEFAULT 0,
  PRIMARY KEY (stat_day, hour_of_day, channel, item)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Amounts counted against the per-day limits of the switch matrix: per
-- business date × channel × item × subject (SHA-256 of the ID or account
-- number, never the number itself). Rows older than a week are deleted.
CREATE TABLE channel_amount_day (
  biz_date     DATE        NOT NULL,
  channel      VARCHAR(16) NOT NULL,
  item         VARCHAR(16) NOT NULL,
  subject_hash CHAR(64)    NOT NULL,
  used_fen     BIGINT      NOT NULL DEFAULT 0,
  updated_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (biz_date, channel, item, subject_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The switch matrix (channel.matrix) is a JSON document of several KB: a
-- parameter value may now be up to 16 MB (SQLite TEXT has no length limit).
ALTER TABLE policy_param MODIFY value MEDIUMTEXT NOT NULL;

-- +goose Down
ALTER TABLE policy_param MODIFY value VARCHAR(4000) NOT NULL;
DROP TABLE channel_amount_day;
DROP TABLE channel_stat_hour;
