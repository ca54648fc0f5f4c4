-- +goose Up
-- Work orders (internal/workorder): consultations, complaints, suggestions
-- and callbacks taken by the 12329 hotline (or any channel). status: open →
-- assigned → replied → closed; satisfaction: '' (未评价), satisfied (满意),
-- basic (基本满意), unsatisfied (不满意). person_id is NULL for an
-- unidentified caller. Times are UTC. Every change is audited
-- (workorder.*, object "workorder:<id>").
CREATE TABLE work_order (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT     NOT NULL,
  channel      TEXT     NOT NULL,
  person_id    INTEGER  NULL,
  phone        TEXT     NOT NULL DEFAULT '',
  subject      TEXT     NOT NULL,
  body         TEXT     NOT NULL,
  status       TEXT     NOT NULL,
  assignee     TEXT     NOT NULL DEFAULT '',
  reply        TEXT     NOT NULL DEFAULT '',
  satisfaction TEXT     NOT NULL DEFAULT '',
  callback_at  DATETIME NULL,
  created_by   TEXT     NOT NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL,
  closed_at    DATETIME NULL
);
CREATE INDEX work_order_status ON work_order (status, id);
CREATE INDEX work_order_person ON work_order (person_id);

-- 12329 SMS subscriptions (channels/sms12329): one row per reserved mobile
-- that sent KT (subscribed = 1) or TD (subscribed = 0); no row means the
-- default (subscribed). Notices honour it; replies and OTPs do not.
CREATE TABLE sms_subscription (
  phone      TEXT     NOT NULL PRIMARY KEY,
  subscribed INTEGER  NOT NULL,
  updated_at DATETIME NOT NULL
);

-- Business notices held during quiet hours (channels/sms12329), sent and
-- removed once the window ends; vars is the template variables as JSON.
CREATE TABLE sms_held (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  phone      TEXT     NOT NULL,
  template   TEXT     NOT NULL,
  vars       TEXT     NOT NULL,
  created_at DATETIME NOT NULL
);

-- Call statistics ingested from the 12329 call centre, one row per period
-- (period_start UTC, period_minutes long); a repeated period replaces it.
CREATE TABLE hotline_call_stat (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  period_start   DATETIME NOT NULL,
  period_minutes INTEGER  NOT NULL,
  answered       INTEGER  NOT NULL,
  abandoned      INTEGER  NOT NULL,
  avg_handle_sec INTEGER  NOT NULL,
  received_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX hotline_call_stat_period ON hotline_call_stat (period_start);

-- +goose Down
DROP TABLE hotline_call_stat;
DROP TABLE sms_held;
DROP TABLE sms_subscription;
DROP TABLE work_order;
