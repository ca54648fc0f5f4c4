-- +goose Up
-- Work orders (internal/workorder): consultations, complaints, suggestions
-- and callbacks taken by the 12329 hotline (or any channel). status: open →
-- assigned → replied → closed; satisfaction: '' (未评价), satisfied (满意),
-- basic (基本满意), unsatisfied (不满意). person_id is NULL for an
-- unidentified caller. Times are UTC. Every change is audited
-- (workorder.*, object "workorder:<id>").
CREATE TABLE work_order (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind         VARCHAR(16)   NOT NULL,
  channel      VARCHAR(16)   NOT NULL,
  person_id    BIGINT        NULL,
  phone        VARCHAR(20)   NOT NULL DEFAULT '',
  subject      VARCHAR(200)  NOT NULL,
  body         TEXT          NOT NULL,
  status       VARCHAR(16)   NOT NULL,
  assignee     VARCHAR(64)   NOT NULL DEFAULT '',
  reply        TEXT          NOT NULL,
  satisfaction VARCHAR(16)   NOT NULL DEFAULT '',
  callback_at  DATETIME(6)   NULL,
  created_by   VARCHAR(64)   NOT NULL,
  created_at   DATETIME(6)   NOT NULL,
  updated_at   DATETIME(6)   NOT NULL,
  closed_at    DATETIME(6)   NULL,
  KEY work_order_status (status, id),
  KEY work_order_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- 12329 SMS subscriptions (channels/sms12329): one row per reserved mobile
-- that sent KT (subscribed = 1) or TD (subscribed = 0); no row means the
-- default (subscribed). Notices honour it; replies and OTPs do not.
CREATE TABLE sms_subscription (
  phone      VARCHAR(20) NOT NULL PRIMARY KEY,
  subscribed TINYINT     NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Business notices held during quiet hours (channels/sms12329), sent and
-- removed once the window ends; vars is the template variables as JSON.
CREATE TABLE sms_held (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone      VARCHAR(20)  NOT NULL,
  template   VARCHAR(64)  NOT NULL,
  vars       TEXT         NOT NULL,
  created_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Call statistics ingested from the 12329 call centre, one row per period
-- (period_start UTC, period_minutes long); a repeated period replaces it.
CREATE TABLE hotline_call_stat (
  id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  period_start   DATETIME(6) NOT NULL,
  period_minutes INT         NOT NULL,
  answered       INT         NOT NULL,
  abandoned      INT         NOT NULL,
  avg_handle_sec INT         NOT NULL,
  received_at    DATETIME(6) NOT NULL,
  UNIQUE KEY hotline_call_stat_period (period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE hotline_call_stat;
DROP TABLE sms_held;
DROP TABLE sms_subscription;
DROP TABLE work_order;
