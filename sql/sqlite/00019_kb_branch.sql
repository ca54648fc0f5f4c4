-- +goose Up
-- Knowledge-base articles (知识库, internal/kb): answers to common questions
-- (提取条件, 贷款额度, 缴存比例 …) that every channel searches — the app and the
-- web hall help pages, the WeChat 帮助 keyword, 12329 hotline agents. Rows are
-- written only by approved maker-checker change requests (kind kb_article):
-- publish inserts version 1, revise replaces the content and adds 1 to
-- version, withdraw sets status 'withdrawn'. keywords and channels are
-- comma-delimited with a comma before and after (",提取,租房,"), channels "*"
-- for every channel. Times are UTC.
CREATE TABLE kb_article (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  title        TEXT     NOT NULL,
  category     TEXT     NOT NULL,
  body         TEXT     NOT NULL,
  keywords     TEXT     NOT NULL DEFAULT '',
  channels     TEXT     NOT NULL,
  status       TEXT     NOT NULL,
  version      INTEGER  NOT NULL,
  change_ref   TEXT     NOT NULL DEFAULT '',
  created_by   TEXT     NOT NULL DEFAULT '',
  approved_by  TEXT     NOT NULL DEFAULT '',
  published_at DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL
);
CREATE INDEX kb_article_status ON kb_article (status, updated_at);

-- The branch (服务网点, casbin domain "branch:<code>") that serves a unit:
-- staff granted roles only in a branch domain see and act on that branch's
-- units and their employees (internal/access Scope); '' is the center's own.
ALTER TABLE unit ADD COLUMN branch TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE unit DROP COLUMN branch;
DROP TABLE kb_article;
