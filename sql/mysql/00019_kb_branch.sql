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
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title        VARCHAR(200) NOT NULL,
  category     VARCHAR(16)  NOT NULL,
  body         TEXT         NOT NULL,
  keywords     VARCHAR(512) NOT NULL DEFAULT '',
  channels     VARCHAR(255) NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  version      INT          NOT NULL,
  change_ref   VARCHAR(64)  NOT NULL DEFAULT '',
  created_by   VARCHAR(64)  NOT NULL DEFAULT '',
  approved_by  VARCHAR(64)  NOT NULL DEFAULT '',
  published_at DATETIME(6)  NOT NULL,
  updated_at   DATETIME(6)  NOT NULL,
  KEY kb_article_status (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The branch (服务网点, casbin domain "branch:<code>") that serves a unit:
-- staff granted roles only in a branch domain see and act on that branch's
-- units and their employees (internal/access Scope); '' is the center's own.
ALTER TABLE unit ADD COLUMN branch VARCHAR(32) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE unit DROP COLUMN branch;
DROP TABLE kb_article;
