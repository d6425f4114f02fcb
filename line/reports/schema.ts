// Tables of the report outbox. A report row and its code links are written before anything is sent; `state` and
// `body_hash` let a restarted controller tell "never sent" from "sent, answer lost". The states: states.ts.

export const REPORTS_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE report_outbox (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    grp         TEXT NOT NULL,
    batch_key   TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    state       TEXT NOT NULL,
    codes       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    close_at    INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    body_hash   TEXT,
    sending_at  INTEGER,
    remote_id   TEXT,
    last_error  TEXT,
    reason      TEXT,
    generation  INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX report_outbox_due ON report_outbox (state, next_at);
  CREATE INDEX report_outbox_open ON report_outbox (batch_key) WHERE state = 'OPEN';
  CREATE TABLE report_codes (
    report_id TEXT NOT NULL REFERENCES report_outbox(id),
    kind      TEXT NOT NULL,
    code_id   INTEGER NOT NULL,
    PRIMARY KEY (report_id, code_id),
    UNIQUE (kind, code_id)
  );
  CREATE TABLE report_history (
    id        INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,
    report_id TEXT NOT NULL,
    event     TEXT NOT NULL,
    detail    TEXT NOT NULL
  );
  `,
  // v2: rework (docs/rework.md). A code's link to an accepted report that a later report undid (an aggregation undone
  // by a disaggregation, a disaggregation followed by a new aggregation) moves here, so the code may be put in a
  // report of that kind again — UNIQUE (kind, code_id) keeps holding for the live links.
  `
  CREATE TABLE report_codes_released (
    report_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    code_id     INTEGER NOT NULL,
    released_by TEXT NOT NULL,
    ts          INTEGER NOT NULL
  );
  CREATE INDEX report_codes_released_code ON report_codes_released (code_id);
  `,
]
