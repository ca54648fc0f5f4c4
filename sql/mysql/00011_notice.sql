-- +goose Up
-- Public notices (internal/notice): policy news, announcements and service
-- guides shown on the channels listed in `channels` — comma-delimited channel
-- codes with a comma before and after (",app,web,"), or "*" for every channel —
-- from published_at until expires_at (NULL: no end). Times are UTC. Every
-- publication is audited (notice.publish).
CREATE TABLE notice (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title        VARCHAR(200) NOT NULL,
  body         TEXT         NOT NULL,
  category     VARCHAR(16)  NOT NULL,
  channels     VARCHAR(255) NOT NULL,
  published_at DATETIME(6)  NOT NULL,
  expires_at   DATETIME(6)  NULL,
  created_by   VARCHAR(64)  NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL,
  KEY notice_published (published_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notice;
