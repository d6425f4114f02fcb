// Named read queries on the aggregation's tables (`containers`, `container_items`) for the modules around it — the
// panel's find (line/lookup) — so the aggregation stays the one owner of its SQL (issue 12 §3). Read-only;
// statements are prepared once on the aggregator's store (after its migrations); lists of ids travel as one JSON
// parameter (json_each).

import type { Statement } from 'better-sqlite3'
import type { Db } from '../store/open.ts'

/** A closed or scrapped box or pallet as the panel lists it. */
export interface ContainerListRow {
  id: number
  level: 'box' | 'pallet'
  sscc: string
  jobId: number
  state: 'closed' | 'scrapped'
  closedAt: number | null
  /** The SSCC of the closed pallet the container is on. */
  parent: string | null
  /** Units in a box; boxes still closed on a pallet. */
  items: number
}

/** A unit code in a container: the container is a box (its units) or a pallet (units of its closed boxes). */
export interface ContainedCode { containerId: number, codeId: number }

const ID_SET = '(SELECT value FROM json_each(?))'

/** The listing's columns, the order the panel shows them in; `where` names the containers. */
function listing (where: string): string {
  return `SELECT c.id, c.level, c.sscc, c.job_id AS jobId, c.state, c.closed_at AS closedAt, p.sscc AS parent,
    CASE c.level WHEN 'box' THEN (SELECT count(*) FROM container_items i WHERE i.container_id = c.id)
      ELSE (SELECT count(*) FROM containers b WHERE b.parent_id = c.id AND b.state = 'closed') END AS items
    FROM containers c LEFT JOIN containers p ON p.id = c.parent_id AND p.state = 'closed'
    WHERE c.state IN ('closed', 'scrapped') AND c.sscc IS NOT NULL AND ${where} ORDER BY c.closed_at, c.sscc`
}

export class ContainerQueries {
  readonly #st: Record<'ofJob' | 'bySscc' | 'byIds' | 'closedBySscc' | 'boxOfCode' | 'byId' | 'unitIds' | 'boxUnits' | 'palletUnits' | 'boxesOn', Statement>

  constructor (db: Db) {
    this.#st = {
      ofJob: db.prepare(listing('c.job_id = ?')),
      bySscc: db.prepare(listing('c.sscc = ?')),
      byIds: db.prepare(listing(`c.id IN ${ID_SET}`)),
      closedBySscc: db.prepare("SELECT id, level FROM containers WHERE sscc = ? AND state IN ('closed', 'scrapped')"),
      boxOfCode: db.prepare('SELECT c.id, c.sscc, c.state, c.parent_id AS parentId FROM container_items i JOIN containers c ON c.id = i.container_id WHERE i.code_id = ?'),
      byId: db.prepare('SELECT sscc, state FROM containers WHERE id = ?'),
      unitIds: db.prepare('SELECT code_id FROM container_items WHERE container_id = ? AND code_id IS NOT NULL ORDER BY rowid').pluck(),
      boxUnits: db.prepare(`SELECT container_id AS containerId, code_id AS codeId FROM container_items WHERE container_id IN ${ID_SET} AND code_id IS NOT NULL
        ORDER BY container_id, code_id`),
      // CROSS JOIN keeps the boxes outside: containers has no index on parent_id, and scanning the boxes beats
      // scanning every unit ever boxed (what the planner picks otherwise)
      palletUnits: db.prepare(`SELECT b.parent_id AS containerId, i.code_id AS codeId FROM containers b CROSS JOIN container_items i ON i.container_id = b.id
        WHERE b.parent_id IN ${ID_SET} AND b.state = 'closed' AND i.code_id IS NOT NULL ORDER BY b.parent_id, i.code_id`),
      boxesOn: db.prepare(`SELECT b.sscc, b.state, (SELECT count(*) FROM container_items i WHERE i.container_id = b.id) AS items FROM containers b
        WHERE b.parent_id = ? AND b.sscc IS NOT NULL ORDER BY b.id`),
    }
  }

  /** A job's closed and scrapped boxes and pallets, in the order they were closed. */
  closedOfJob (jobId: number): ContainerListRow[] {
    return this.#st.ofJob.all(jobId) as ContainerListRow[]
  }

  /** The closed or scrapped box or pallet of this SSCC (none or one). */
  closedWithSscc (sscc: string): ContainerListRow[] {
    return this.#st.bySscc.all(sscc) as ContainerListRow[]
  }

  /** These closed or scrapped boxes and pallets, by id, in the order they were closed. */
  closedWithIds (ids: readonly number[]): ContainerListRow[] {
    return this.#st.byIds.all(JSON.stringify(ids)) as ContainerListRow[]
  }

  /** The id and level of the closed or scrapped box or pallet of this SSCC. */
  findClosed (sscc: string): { id: number, level: 'box' | 'pallet' } | undefined {
    return this.#st.closedBySscc.get(sscc) as { id: number, level: 'box' | 'pallet' } | undefined
  }

  /** The box (in any state) holding this unit code, and the pallet it is on; sscc is null while the box is open. */
  boxOfCode (codeId: number): { id: number, sscc: string | null, state: string, parentId: number | null } | undefined {
    return this.#st.boxOfCode.get(codeId) as { id: number, sscc: string | null, state: string, parentId: number | null } | undefined
  }

  /** A container's SSCC (null while open) and state, by id. */
  get (id: number): { sscc: string | null, state: string } | undefined {
    return this.#st.byId.get(id) as { sscc: string | null, state: string } | undefined
  }

  /** The unit codes of a box, in the order they went in. */
  unitIds (boxId: number): number[] {
    return this.#st.unitIds.all(boxId) as number[]
  }

  /**
   * The unit codes each of these containers holds: of a box its units, of a pallet the units of its closed boxes;
   * by container, then by code id.
   */
  unitsOf (level: 'box' | 'pallet', containerIds: readonly number[]): ContainedCode[] {
    return (level === 'box' ? this.#st.boxUnits : this.#st.palletUnits).all(JSON.stringify(containerIds)) as ContainedCode[]
  }

  /** The boxes on a pallet (any state, with an SSCC) and their unit counts, in the order they were opened. */
  boxesOn (palletId: number): Array<{ sscc: string, items: number, state: string }> {
    return this.#st.boxesOn.all(palletId) as Array<{ sscc: string, items: number, state: string }>
  }
}
