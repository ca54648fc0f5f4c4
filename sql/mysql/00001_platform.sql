-- +goose Up
CREATE TABLE business_date (
  id          TINYINT     NOT NULL PRIMARY KEY,
  biz_date    DATE        NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  updated_by  VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
  seq            BIGINT       NOT NULL PRIMARY KEY,
  at             DATETIME(6)  NOT NULL,
  actor          VARCHAR(64)  NOT NULL,
  channel        VARCHAR(16)  NOT NULL,
  action         VARCHAR(64)  NOT NULL,
  object         VARCHAR(128) NOT NULL,
  summary_before TEXT         NOT NULL,
  summary_after  TEXT         NOT NULL,
  request_id     VARCHAR(64)  NOT NULL,
  result         VARCHAR(16)  NOT NULL,
  prev_hash      CHAR(64)     NOT NULL,
  hash           CHAR(64)     NOT NULL,
  KEY audit_log_object (object),
  KEY audit_log_actor (actor, at),
  KEY audit_log_action (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_head (
  id    TINYINT  NOT NULL PRIMARY KEY,
  seq   BIGINT   NOT NULL,
  hash  CHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE business_date;
