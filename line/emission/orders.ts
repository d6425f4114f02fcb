// The replenishment policy's own durable tables: orders in flight and the blocks taken from them, so that a
// restart resumes every order and a block lost mid-download is found again (migrate(db, 'emission', …)).

import { migrate, type Db } from '../store/open.ts'

export const EMISSION_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE emission_orders (
    local_id      TEXT PRIMARY KEY,
    order_id      TEXT UNIQUE,
    gtin          TEXT NOT NULL,
    grp           TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    taken         INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL,
    expires_at    INTEGER,
    next_at       INTEGER NOT NULL,
    polls         INTEGER NOT NULL DEFAULT 0,
    reconcile     INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  );
  CREATE INDEX emission_orders_open ON emission_orders (state) WHERE state IN ('REQUESTED', 'PENDING', 'ACTIVE', 'CLOSING');
  CREATE TABLE emission_blocks (
    block_id  TEXT PRIMARY KEY,
    order_id  TEXT NOT NULL,
    gtin      TEXT NOT NULL,
    count     INTEGER NOT NULL,
    state     TEXT NOT NULL,
    error     TEXT,
    at        INTEGER NOT NULL
  );
  `,
]

/**
 * REQUESTED: row written, the OMS not yet answered (persist before act). PENDING: ordered, buffer not active.
 * ACTIVE: downloading. CLOSING: all codes taken, close not yet confirmed. DONE / FAILED: finished.
 */
export type OrderState = 'REQUESTED' | 'PENDING' | 'ACTIVE' | 'CLOSING' | 'DONE' | 'FAILED'
export const OPEN_STATES: readonly OrderState[] = ['REQUESTED', 'PENDING', 'ACTIVE', 'CLOSING']

export interface OrderRow {
  localId: string
  orderId: string | null
  gtin: string
  group: string
  quantity: number
  taken: number
  state: OrderState
  expiresAt: number | null
  nextAt: number
  polls: number
  reconcile: boolean
  lastError: string | null
  createdAt: number
}

export class OrderStore {
  readonly #db: Db
  constructor (db: Db) {
    this.#db = db
    migrate(db, 'emission', EMISSION_MIGRATIONS)
  }

  open (): OrderRow[] {
    return (this.#db.prepare(`SELECT * FROM emission_orders WHERE state IN ('REQUESTED', 'PENDING', 'ACTIVE', 'CLOSING') ORDER BY created_at, local_id`).all() as RawOrder[]).map(toOrder)
  }

  recent (limit = 20): OrderRow[] {
    return (this.#db.prepare('SELECT * FROM emission_orders ORDER BY updated_at DESC, local_id DESC LIMIT ?').all(limit) as RawOrder[]).map(toOrder)
  }

  insert (o: { localId: string, gtin: string, group: string, quantity: number, now: number }): void {
    this.#db.prepare('INSERT INTO emission_orders (local_id, gtin, grp, quantity, state, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, \'REQUESTED\', ?, ?, ?)')
      .run(o.localId, o.gtin, o.group, o.quantity, o.now, o.now, o.now)
  }

  update (localId: string, now: number, fields: Partial<Pick<OrderRow, 'orderId' | 'state' | 'expiresAt' | 'nextAt' | 'polls' | 'reconcile' | 'lastError'>>): void {
    const cols: Record<string, string> = { orderId: 'order_id', state: 'state', expiresAt: 'expires_at', nextAt: 'next_at', polls: 'polls', reconcile: 'reconcile', lastError: 'last_error' }
    const sets: string[] = ['updated_at = @now']
    const params: Record<string, unknown> = { localId, now }
    for (const [k, v] of Object.entries(fields)) {
      sets.push(`${cols[k] as string} = @${k}`)
      params[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v
    }
    this.#db.prepare(`UPDATE emission_orders SET ${sets.join(', ')} WHERE local_id = @localId`).run(params)
  }

  hasBlock (blockId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM emission_blocks WHERE block_id = ?').get(blockId) !== undefined
  }

  /** Record a block taken from an order (imported or refused) and count it against the order, atomically. */
  recordBlock (b: { blockId: string, orderId: string, localId: string, gtin: string, count: number, state: 'IMPORTED' | 'REFUSED', error?: string, now: number }): void {
    this.#db.transaction(() => {
      const ins = this.#db.prepare('INSERT OR IGNORE INTO emission_blocks (block_id, order_id, gtin, count, state, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(b.blockId, b.orderId, b.gtin, b.count, b.state, b.error ?? null, b.now)
      if (ins.changes === 1) this.#db.prepare('UPDATE emission_orders SET taken = taken + ?, updated_at = ? WHERE local_id = ?').run(b.count, b.now, b.localId)
    })()
  }

  blocks (orderId: string): Array<{ blockId: string, count: number, state: string, error: string | null }> {
    return this.#db.prepare('SELECT block_id AS blockId, count, state, error FROM emission_blocks WHERE order_id = ? ORDER BY at, block_id').all(orderId) as Array<{ blockId: string, count: number, state: string, error: string | null }>
  }

  get (localId: string): OrderRow | undefined {
    const r = this.#db.prepare('SELECT * FROM emission_orders WHERE local_id = ?').get(localId) as RawOrder | undefined
    return r === undefined ? undefined : toOrder(r)
  }
}

interface RawOrder {
  local_id: string, order_id: string | null, gtin: string, grp: string, quantity: number, taken: number, state: OrderState,
  expires_at: number | null, next_at: number, polls: number, reconcile: number, last_error: string | null, created_at: number
}

function toOrder (r: RawOrder): OrderRow {
  return {
    localId: r.local_id, orderId: r.order_id, gtin: r.gtin, group: r.grp, quantity: r.quantity, taken: r.taken, state: r.state,
    expiresAt: r.expires_at, nextAt: r.next_at, polls: r.polls, reconcile: r.reconcile === 1, lastError: r.last_error, createdAt: r.created_at,
  }
}

/**
 * The OMS order ids of a GTIN's orders still open on the line (sent, waiting or taking codes), from a store opened
 * read-only by a caller that holds no OrderStore (the connection doctor: a running line owns the store).
 */
export function openOrderIds (db: Db, gtin: string): string[] {
  const rows = db.prepare("SELECT order_id AS orderId FROM emission_orders WHERE gtin = ? AND order_id IS NOT NULL AND state IN ('PENDING', 'ACTIVE', 'CLOSING')").all(gtin) as Array<{ orderId: string }>
  return rows.map(r => r.orderId)
}
