// The plant's register of codes seen on packs (docs/modes.md, "Plant-wide duplicate check"): one PostgreSQL table
// every line of the plant writes to. A line claims the code it read on a pack; the first claim of a code wins, and
// a code another line claimed before is a duplicate. Claims made within one event-loop turn go out as one
// statement (INSERT … ON CONFLICT DO NOTHING over an unnest of the batch), so the register keeps up with a line's
// reads however fast they come.
import pg from 'pg'
import { LineError } from '../domain/errors.ts'
import type { Logger } from '../log.ts'

export interface Claim {
  /** The code without its crypto part (01 GTIN 21 serial). */
  identity: string
  jobId: number
  /** The PLC's number of the pack. */
  seq: number
}

/** `first`: this line's claim is the code's first (or an earlier claim of this line); else who claimed it. */
export type ClaimAnswer = { first: true } | { first: false, site: string, line: string, at: number }

export interface PlantRegistryOptions {
  /** postgres://user:password@host:port/db */
  url: string
  site: string
  line: string
  /** One claim batch's answer within this long, else the register counts as unreachable. */
  timeoutMs: number
  log?: Logger
}

export class PlantUnreachableError extends LineError {
  constructor (message: string, context: Record<string, unknown>, options?: ErrorOptions) { super('LC_ERR_PLANT', message, context, options) }
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS plant_codes (
  identity   TEXT PRIMARY KEY,
  site       TEXT NOT NULL,
  line       TEXT NOT NULL,
  job_id     BIGINT NOT NULL,
  seq        BIGINT NOT NULL,
  claimed_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

// The batch's claims inserted where the code is new, and moved to the new pack where this line claimed the code
// before (its earlier pack never took it: rejected unchecked, or pushed off the line — the line's store said the
// code was still free). Only the others come back, each with the other line's row (so a batch of fresh codes answers
// with no rows to parse): a code missing from the answer is this line's now. The outer read shares the statement's
// snapshot: a claim another line committed after it began has no row here (site null) and is read again below.
const CLAIM = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(identity, job_id, seq)
), ins AS (
  INSERT INTO plant_codes AS p (identity, site, line, job_id, seq)
  SELECT identity, $4, $5, job_id, seq FROM input
  ON CONFLICT (identity) DO UPDATE SET job_id = EXCLUDED.job_id, seq = EXCLUDED.seq, claimed_at = now()
    WHERE p.site = EXCLUDED.site AND p.line = EXCLUDED.line
  RETURNING identity
)
SELECT i.identity, p.site, p.line, (extract(epoch FROM p.claimed_at) * 1000)::bigint AS at
FROM input i LEFT JOIN ins ON ins.identity = i.identity LEFT JOIN plant_codes p ON p.identity = i.identity
WHERE ins.identity IS NULL`

const OWNERS = `SELECT identity, site, line, (extract(epoch FROM claimed_at) * 1000)::bigint AS at FROM plant_codes WHERE identity = ANY($1::text[])`

const FIRST: ClaimAnswer = { first: true }

interface Waiting { claim: Claim, resolve: (a: ClaimAnswer) => void, reject: (e: Error) => void }

export class PlantRegistry {
  readonly #o: PlantRegistryOptions
  readonly #pool: pg.Pool
  #batch: Waiting[] = []
  #scheduled = false
  #ready: Promise<void> | null = null
  /** Statements sent (tests, bench). */
  batches = 0

  constructor (options: PlantRegistryOptions) {
    this.#o = options
    this.#pool = new pg.Pool({ connectionString: options.url, max: 2, connectionTimeoutMillis: options.timeoutMs, query_timeout: options.timeoutMs, statement_timeout: options.timeoutMs })
    // an idle connection the server dropped: logged; the next claim opens another
    this.#pool.on('error', err => options.log?.warn({ err }, 'plant register connection lost'))
  }

  /** Claim the code read on a pack. Rejects with PlantUnreachableError when the register does not answer in time. */
  claim (claim: Claim): Promise<ClaimAnswer> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ claim, resolve, reject })
      if (this.#scheduled) return
      this.#scheduled = true
      setImmediate(() => { this.#scheduled = false; void this.#flush() })
    })
  }

  /** Ask whether the register answers (and make its table). */
  async ping (): Promise<void> {
    try {
      await this.#ensure()
      await this.#query('SELECT 1', [])
    } catch (err) {
      throw new PlantUnreachableError(`plant register unreachable: ${(err as Error).message}`, {}, { cause: err })
    }
  }

  async close (): Promise<void> { await this.#pool.end() }

  #ensure (): Promise<void> {
    this.#ready ??= this.#query(SCHEMA, []).then(() => undefined, (err: unknown) => { this.#ready = null; throw err })
    return this.#ready
  }

  /**
   * A statement, sent once more on a fresh connection when the first failed fast: a pooled connection the server
   * closed (a restart, a failover) fails its next statement at once, and that is no outage. Claims are safe to
   * repeat (a line's own earlier claim answers as its own).
   */
  async #query (text: string, values: unknown[]): Promise<pg.QueryResult> {
    const started = Date.now()
    try {
      return await this.#pool.query(text, values)
    } catch (err) {
      if (Date.now() - started > this.#o.timeoutMs / 2) throw err
      this.#o.log?.debug({ err }, 'plant register statement failed at once; trying a fresh connection')
      return await this.#pool.query(text, values)
    }
  }

  async #flush (): Promise<void> {
    const batch = this.#batch
    this.#batch = []
    // the same code twice in one batch: the first claim goes to the register, the later ones lose to it
    const first = new Map<string, Waiting>()
    const later: Waiting[] = []
    for (const w of batch) {
      if (first.has(w.claim.identity)) later.push(w)
      else first.set(w.claim.identity, w)
    }
    const list = [...first.values()]
    try {
      await this.#ensure()
      this.batches++
      const rows = (await this.#query(CLAIM, [list.map(w => w.claim.identity), list.map(w => w.claim.jobId), list.map(w => w.claim.seq), this.#o.site, this.#o.line])).rows as Array<{ identity: string, site: string | null, line: string | null, at: string | null }>
      // the codes another line claimed before; every code not in the answer is this statement's claim
      const taken = new Map<string, ClaimAnswer>()
      const unseen = new Set<string>()
      for (const r of rows) {
        if (r.line === null) unseen.add(r.identity)
        else taken.set(r.identity, this.#owner(r.site as string, r.line, Number(r.at)))
      }
      if (unseen.size > 0) {
        for (const r of (await this.#query(OWNERS, [[...unseen]])).rows as Array<{ identity: string, site: string, line: string, at: string }>) taken.set(r.identity, this.#owner(r.site, r.line, Number(r.at)))
      }
      for (const w of list) {
        const a = taken.get(w.claim.identity)
        if (a !== undefined) w.resolve(a)
        else if (unseen.has(w.claim.identity)) w.reject(new PlantUnreachableError('the plant register answered without this code', { identity: w.claim.identity }))
        else w.resolve(FIRST)
      }
      for (const w of later) w.resolve({ first: false, site: this.#o.site, line: this.#o.line, at: Date.now() })
    } catch (err) {
      const e = err instanceof PlantUnreachableError ? err : new PlantUnreachableError(`plant register unreachable: ${(err as Error).message}`, { codes: batch.length }, { cause: err })
      for (const w of batch) w.reject(e)
    }
  }

  /** A claim of this very line (a restart, a pack read again after it was pushed off) is this line's to judge. */
  #owner (site: string, line: string, at: number): ClaimAnswer {
    return site === this.#o.site && line === this.#o.line ? { first: true } : { first: false, site, line, at }
  }
}
