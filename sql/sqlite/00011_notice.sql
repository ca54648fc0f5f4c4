-- +goose Up
-- Public notices (internal/notice): policy news, announcements and service
-- guides shown on the channels listed in `channels` — comma-delimited channel
-- codes with a comma before and after (",app,web,"), or "*" for every channel —
-- from published_at until expires_at (NULL: no end). Times are UTC. Every
-- publication is audited (notice.publish).
CREATE TABLE notice (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  title        TEXT     NOT NULL,
  body         TEXT     NOT NULL,
  category     TEXT     NOT NULL,
  channels     TEXT     NOT NULL,
  published_at DATETIME NOT NULL,
  expires_at   DATETIME NULL,
  created_by   TEXT     NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL
);
CREATE INDEX notice_published ON notice (published_at);

-- +goose Down
DROP TABLE notice;
