// Tables of the code pool. Codes are rows keyed by an integer id; the raw code is stored once, its identity
// (without crypto part) is unique, so the same GTIN+serial can never enter the pool twice.

/** `pallet`: the aggregation of closed boxes into a pallet (its codes are the units inside those boxes). */
/** `disaggregation`: a True API DISAGGREGATION_DOCUMENT of the boxes (and pallets) its codes were in (docs/rework.md). */
export type ReportKind = 'utilisation' | 'aggregation' | 'pallet' | 'introduction' | 'dropout' | 'disaggregation'
/** The column of `codes` holding the accepted report of each kind (the reporting track, apart from `state`). */
export const REPORT_COLUMNS: Readonly<Record<ReportKind, string>> = { utilisation: 'util_report', aggregation: 'agg_report', pallet: 'pallet_report', introduction: 'intro_report', dropout: 'dropout_report', disaggregation: 'disagg_report' }

export const POOL_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE blocks (
    block_id    TEXT PRIMARY KEY,
    order_id    TEXT,
    gtin        TEXT NOT NULL,
    grp         TEXT NOT NULL,
    count       INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
  );
  CREATE TABLE codes (
    id             INTEGER PRIMARY KEY,
    identity       TEXT NOT NULL UNIQUE,
    code           TEXT NOT NULL,
    gtin           TEXT NOT NULL,
    block_id       TEXT NOT NULL REFERENCES blocks(block_id),
    state          INTEGER NOT NULL DEFAULT 0,
    expires_at     INTEGER NOT NULL,
    printer        TEXT,
    seq            INTEGER,
    grade          TEXT,
    reason         TEXT,
    parent         TEXT,
    report_id      TEXT,
    util_report    TEXT,
    agg_report     TEXT,
    intro_report   TEXT,
    dropout_report TEXT,
    updated_at     INTEGER NOT NULL
  );
  CREATE INDEX codes_available ON codes (gtin, expires_at, id) WHERE state = 0;
  CREATE INDEX codes_sent ON codes (printer) WHERE state = 1;
  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    ts     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  `,
  // v2: which production job reserved a code, so a job's counters are derived from the store after any restart.
  `
  ALTER TABLE codes ADD COLUMN job_id INTEGER;
  CREATE INDEX codes_job ON codes (job_id, state) WHERE job_id IS NOT NULL;
  `,
  // v3: the pallet aggregation a code's box was reported in; codes found by their box.
  `
  ALTER TABLE codes ADD COLUMN pallet_report TEXT;
  CREATE INDEX codes_parent ON codes (parent) WHERE parent IS NOT NULL;
  `,
  // v4: codes files (docs/codes-files.md). A block's source ('ordered' by this controller from the OMS, 'imported'
  // from a file) and, for a file, its name and SHA-256 (one file is imported once); the export a HANDED_OVER code
  // went out in, and the exports themselves (committed first, then written: a re-run completes the file).
  `
  ALTER TABLE blocks ADD COLUMN source TEXT NOT NULL DEFAULT 'ordered';
  ALTER TABLE blocks ADD COLUMN file_name TEXT;
  ALTER TABLE blocks ADD COLUMN sha256 TEXT;
  CREATE UNIQUE INDEX blocks_sha256 ON blocks (sha256) WHERE sha256 IS NOT NULL;
  ALTER TABLE codes ADD COLUMN export_id TEXT;
  CREATE INDEX codes_export ON codes (export_id, id) WHERE export_id IS NOT NULL;
  CREATE TABLE code_exports (
    export_id  TEXT PRIMARY KEY,
    gtin       TEXT NOT NULL,
    grp        TEXT NOT NULL,
    count      INTEGER NOT NULL,
    path       TEXT NOT NULL,
    line_end   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    status     TEXT NOT NULL,
    sha256     TEXT,
    written_at INTEGER
  );
  `,
  // v5: rework (docs/rework.md): the accepted disaggregation of the aggregate a code was in.
  `
  ALTER TABLE codes ADD COLUMN disagg_report TEXT;
  `,
]
