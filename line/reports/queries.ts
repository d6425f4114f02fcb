// Named read queries on the outbox's tables (`report_outbox`, `report_codes`) for the modules around it — the
// panel's find (line/lookup) — so the reports module stays the one owner of its SQL (issue 12 §3). Read-only;
// statements are prepared once, after the outbox's migrations (the outbox builds it: `outbox.queries`); lists of
// code ids travel as one JSON parameter (json_each).

import type { Statement } from 'better-sqlite3'
import type { ReportKind } from '../pool/pool.ts'
import type { Db } from '../store/open.ts'

/** A code's live link to a report of one kind (a code is in at most one report per kind). */
export interface CodeReportLink { codeId: number, id: string, state: string }

export class ReportQueries {
  readonly #st: Record<'updatedAt' | 'links' | 'ofCode' | 'queue', Statement>

  constructor (db: Db) {
    this.#st = {
      updatedAt: db.prepare('SELECT updated_at FROM report_outbox WHERE id = ?').pluck(),
      links: db.prepare(`SELECT rc.code_id AS codeId, o.id, o.state FROM report_codes rc JOIN report_outbox o ON o.id = rc.report_id
        WHERE rc.kind = ? AND rc.code_id IN (SELECT value FROM json_each(?)) ORDER BY rc.code_id`),
      ofCode: db.prepare('SELECT report_id FROM report_codes WHERE code_id = ? ORDER BY rowid').pluck(),
      queue: db.prepare(`SELECT id FROM report_outbox WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind)
        ORDER BY created_at DESC, rowid DESC LIMIT @limit`).pluck(),
    }
  }

  /** When a report's row last changed; undefined for an unknown report. */
  updatedAt (id: string): number | undefined {
    return this.#st.updatedAt.get(id) as number | undefined
  }

  /** The reports of `kind` these codes are in, with their state, by code id. */
  linksOf (kind: ReportKind, codeIds: readonly number[]): CodeReportLink[] {
    return this.#st.links.all(kind, JSON.stringify(codeIds)) as CodeReportLink[]
  }

  /** The reports (any kind) a code is in, in the order it was put in them. */
  ofCode (codeId: number): string[] {
    return this.#st.ofCode.all(codeId) as string[]
  }

  /** Report ids, newest first: all, or those in one state / of one kind; at most `limit` (500). */
  queue (filter: { state?: string, kind?: string, limit?: number } = {}): string[] {
    return this.#st.queue.all({ state: filter.state ?? null, kind: filter.kind ?? null, limit: filter.limit ?? 500 }) as string[]
  }
}
