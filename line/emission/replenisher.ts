// Replenishment policy: keeps the local pool of each GTIN of the active job between a low watermark and a target
// (in minutes of production and in codes), ordering ahead, polling until ACTIVE, downloading in blocks into the
// pool, closing orders once taken, and resuming everything after a restart from its own tables.

import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { CATALOGUE, textOf, type AlarmRef, type ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'
import type { ProfileRegistry } from '../codes/profiles.ts'
import { orderFieldsOf, productGroupOf, type JobFacts } from '../domain/groups.ts'
import type { Logger } from '../log.ts'
import { silentLogger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import { PoolImportError } from '../pool/errors.ts'
import type { Db } from '../store/open.ts'
import { OMS_LIMITS, type BufferInfo, type CodesBlock, type CreateOrderRequest, type ReceiptAnswer } from './api.ts'
import { backoffDelay } from '../domain/backoff.ts'
import type { OmsClient } from './client.ts'
import { EmissionBlockError, EmissionOrderError, OmsHttpError } from './errors.ts'
import { OrderStore, type OrderRow } from './orders.ts'
import type { EmissionAlarm, EmissionStatus, GtinStatus } from './status.ts'

/** What the active job needs, per GTIN. */
export interface Demand {
  gtin: string
  /** Profile group of the codes (e.g. water, tobacco-pack). */
  group: string
  /** OMS productGroup when it differs from the profile group (tobacco for tobacco-block / tobacco-pack). */
  productGroup?: string
  unitsPerMinute: number
  /** Overrides the group's cisType from the product-group table. */
  cisType?: 'UNIT' | 'GROUP' | 'SET' | 'BUNDLE'
  /** The job's group fields the order needs (tobacco: Tables 10, 11), read through the product-group table. */
  job?: JobFacts
}

export interface ReplenishSizing {
  lowWatermarkMinutes: number
  targetMinutes: number
  lowWatermarkCodes: number
  targetCodes: number
  /** Codes per download (≤ 150,000). */
  blockSize: number
  /** Codes per order (≤ 150,000 keeps multi-GTIN orders legal; 2,000,000 for a single GTIN). */
  maxOrderCodes: number
  /** Polling while PENDING: first delay and cap (injected clock). */
  pollMinMs: number
  pollMaxMs: number
  /** After a failed call: first delay and cap before the next try (injected clock). */
  errorBackoffMinMs: number
  errorBackoffMaxMs: number
  /**
   * An order whose answer was lost is looked for among the OMS's receipts by its production order id (§4.4.19,
   * §10.1.1); not found for this long after it was sent, it was not created.
   */
  orderLookupMs: number
}

export const DEFAULT_SIZING: ReplenishSizing = {
  lowWatermarkMinutes: 120, targetMinutes: 480, lowWatermarkCodes: 0, targetCodes: 0,
  blockSize: 50_000, maxOrderCodes: OMS_LIMITS.codesPerRequest,
  pollMinMs: 2_000, pollMaxMs: 60_000, errorBackoffMinMs: 5_000, errorBackoffMaxMs: 300_000, orderLookupMs: 120_000,
}

/** Orders auto-close in the OMS 48 h after creation (§4.4.1): a lost order is no longer worth looking for. */
const ORDER_LIFETIME_MS = 48 * 3_600_000

export interface ReplenisherOptions {
  client: OmsClient
  pool: CodePool
  db: Db
  clock: Clock
  profiles: ProfileRegistry
  sizing?: Partial<ReplenishSizing>
  log?: Logger
  onAlarm?: (alarm: EmissionAlarm) => void
  releaseMethodType?: 'PRODUCTION' | 'IMPORT'
  contactPerson?: string
}

export class Replenisher {
  readonly #o: ReplenisherOptions
  readonly #sizing: ReplenishSizing
  readonly #orders: OrderStore
  readonly #log: Logger
  readonly #clock: Clock
  #demand: Demand[] = []
  /** Per GTIN: no new order before this time (after a failed create), and how many failures in a row. */
  readonly #orderHold = new Map<string, { until: number, failures: number }>()
  #lastError: EmissionStatus['lastError'] = null
  #lastDecision: EmissionStatus['lastDecision'] = null
  readonly #alarms: EmissionAlarm[] = []
  #running: Promise<void> | null = null
  #timer: NodeJS.Timeout | null = null
  #consecutiveFailures = 0
  #nextExpirySweep = -Infinity
  readonly #outageWarned = new Set<string>()

  constructor (options: ReplenisherOptions) {
    this.#o = options
    this.#sizing = { ...DEFAULT_SIZING, ...options.sizing }
    if (this.#sizing.blockSize > OMS_LIMITS.codesPerRequest) throw new RangeError(`blockSize ${this.#sizing.blockSize} is above the OMS limit of ${OMS_LIMITS.codesPerRequest}`)
    this.#orders = new OrderStore(options.db)
    this.#log = (options.log ?? silentLogger()).child({ module: 'emission' })
    this.#clock = options.clock
    // A crash may have hit between taking a block from the OMS and recording it: look for lost blocks first.
    for (const o of this.#orders.open()) {
      if (o.state === 'ACTIVE' && !o.reconcile) this.#orders.update(o.localId, this.#clock.now(), { reconcile: true })
    }
  }

  setDemand (demand: Demand[]): void {
    this.#demand = demand.map(d => ({ ...d }))
    this.#decide('demand', `demand set for ${demand.map(d => d.gtin).join(', ') || 'no GTIN'}`, { demand })
  }

  /** Run `tick()` every `intervalMs` of wall-clock time until stop(). Decisions inside use the injected clock. */
  start (intervalMs = 1_000): void {
    if (this.#timer !== null) return
    this.#timer = setInterval(() => { void this.tick() }, intervalMs)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    this.#stopping = true
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    await this.#running
  }

  #stopping = false

  /** One pass of the policy. Concurrent calls share the running pass. Never throws: failures become status. */
  tick (): Promise<void> {
    if (this.#running !== null) return this.#running
    this.#running = this.#tick().catch(err => { this.#recordError(err, {}) }).finally(() => { this.#running = null })
    return this.#running
  }

  async #tick (): Promise<void> {
    // The expiry sweep scans the pool: once a minute of line time is often enough for codes valid for weeks.
    if (this.#clock.now() >= this.#nextExpirySweep) {
      this.#nextExpirySweep = this.#clock.now() + 60_000
      const expired = await this.#o.pool.expireAvailable()
      if (expired > 0) this.#decide('expire', `${expired} expired codes moved to DEFECT/EXPIRY for dropout`, { expired })
    }
    for (const o of this.#orders.open()) {
      if (o.nextAt > this.#clock.now()) continue
      await this.#step(o)
    }
    for (const d of this.#demand) await this.#maybeOrder(d)
    this.#watchOutage()
  }

  /** The operator must know when the pool is being drawn down with no refill coming: once per outage and GTIN. */
  #watchOutage (): void {
    if (this.#consecutiveFailures === 0) { this.#outageWarned.clear(); return }
    if (this.#consecutiveFailures < 3) return
    for (const d of this.#demand) {
      const level = this.#o.pool.level(d.gtin)
      if (this.#outageWarned.has(d.gtin) || level >= this.#thresholds(d).low) continue
      this.#outageWarned.add(d.gtin)
      const minutes = Math.floor(level / d.unitsPerMinute)
      this.#alarm('LC_ERR_EMISSION_OUTAGE', { code: 'EMISSION_OUTAGE', params: { gtin: d.gtin, minutes, level } },
        { gtin: d.gtin, level, minutesLeft: minutes, lastError: this.#lastError?.code })
    }
  }

  // ---- sizing -------------------------------------------------------------------------------------------

  #thresholds (d: Demand): { low: number, target: number } {
    const s = this.#sizing
    const low = Math.max(s.lowWatermarkCodes, Math.ceil(s.lowWatermarkMinutes * d.unitsPerMinute))
    return { low, target: Math.max(low, s.targetCodes, Math.ceil(s.targetMinutes * d.unitsPerMinute)) }
  }

  #inFlight (gtin: string): number {
    let n = 0
    for (const o of this.#orders.open()) if (o.gtin === gtin && o.state !== 'CLOSING') n += Math.max(0, o.quantity - o.taken)
    return n
  }

  async #maybeOrder (d: Demand): Promise<void> {
    const now = this.#clock.now()
    const hold = this.#orderHold.get(d.gtin)
    if (hold !== undefined && hold.until > now) return
    const level = this.#o.pool.level(d.gtin)
    const inFlight = this.#inFlight(d.gtin)
    const { low, target } = this.#thresholds(d)
    if (level + inFlight >= low) return
    const quantity = Math.min(this.#sizing.maxOrderCodes, target - level - inFlight)
    if (quantity < 1) return
    const localId = randomUUID()
    // Persist before act: the row exists before the OMS hears of the order, and carries our id to it.
    this.#orders.insert({ localId, gtin: d.gtin, group: d.group, quantity, now })
    this.#decide('order', `pool ${level} + in flight ${inFlight} < low watermark ${low}: ordering ${quantity} codes (target ${target})`, { gtin: d.gtin, level, inFlight, low, target, quantity, localId })
    try {
      this.#o.profiles.get(d.group) // a group without a code profile is refused before the OMS hears of it
      // template, cisType and the group's order attributes from the product-group table (Tables 7, 10, 11, 239, 245)
      const fields = orderFieldsOf(d.job ?? { group: d.group }, { releaseMethodType: this.#o.releaseMethodType ?? 'PRODUCTION', createMethodType: 'SELF_MADE' })
      if (fields === null) throw new EmissionOrderError(`product group ${d.group} is not in the product-group table`, { orderId: localId, gtin: d.gtin, group: d.group })
      const res = await this.#o.client.createOrder({
        productGroup: d.productGroup ?? productGroupOf(d.group),
        products: [{
          gtin: d.gtin, quantity, serialNumberType: 'OPERATOR', templateId: fields.templateId, cisType: d.cisType ?? fields.cisType,
          ...(Object.keys(fields.productAttributes).length > 0 ? { attributes: fields.productAttributes } : {}),
        }],
        attributes: {
          ...fields.attributes as CreateOrderRequest['attributes'],
          productionOrderId: localId,
          ...(this.#o.contactPerson !== undefined ? { contactPerson: this.#o.contactPerson } : {}),
        },
      })
      const firstPoll = Math.max(this.#clock.now() + this.#sizing.pollMinMs, res.expectedCompleteTimestamp ?? 0)
      this.#orders.update(localId, this.#clock.now(), { orderId: res.orderId, state: 'PENDING', nextAt: Math.min(firstPoll, this.#clock.now() + this.#sizing.pollMaxMs) })
      this.#orderHold.delete(d.gtin)
      this.#ok()
      this.#decide('ordered', `order ${res.orderId} accepted for ${quantity} codes of ${d.gtin}`, { orderId: res.orderId, localId, gtin: d.gtin, quantity })
    } catch (err) {
      const refused = err instanceof OmsHttpError && err.status >= 400 && err.status < 500 && err.status !== 429
      const failures = (hold?.failures ?? 0) + 1
      this.#orderHold.set(d.gtin, { failures, until: this.#clock.now() + backoffDelay(failures, { baseMs: this.#sizing.errorBackoffMinMs, maxMs: this.#sizing.errorBackoffMaxMs, jitter: 0 }) })
      this.#recordError(err, { gtin: d.gtin, localId, op: 'createOrder' })
      if (err instanceof OmsHttpError && err.status === 429) {
        // the rate limiter turned it away before it was taken: nothing was created
        this.#orders.update(localId, this.#clock.now(), { state: 'FAILED', lastError: errText(err) })
      } else if (refused) {
        this.#orders.update(localId, this.#clock.now(), { state: 'FAILED', lastError: errText(err) })
        this.#alarm('LC_ERR_EMISSION_ORDER', { code: 'EMISSION_ORDER_REFUSED', params: { gtin: d.gtin } }, { gtin: d.gtin, status: err.status, body: err.body, error: err.message })
      } else {
        // The OMS may or may not have created it (timeout, dropped connection, 5xx): asked, not guessed — the
        // row stays REQUESTED and #lookUp finds it among the receipts by its production order id.
        this.#orders.update(localId, this.#clock.now(), { lastError: errText(err), nextAt: this.#clock.now() + this.#sizing.errorBackoffMinMs })
        this.#decide('order-unknown', `no answer to order ${localId} (${errText(err)}): looking for it among the OMS receipts`, { localId, gtin: d.gtin })
      }
    }
  }

  // ---- one order ----------------------------------------------------------------------------------------

  async #step (o: OrderRow): Promise<void> {
    try {
      switch (o.state) {
        case 'REQUESTED':
          // Its answer was lost, or the process died while it was being sent. See #maybeOrder.
          return await this.#lookUp(o)
        case 'PENDING':
        case 'ACTIVE':
          return await this.#advance(o)
        case 'CLOSING':
          await this.#o.client.closeOrder(o.orderId as string, o.gtin)
          this.#orders.update(o.localId, this.#clock.now(), { state: 'DONE', lastError: null })
          this.#decide('closed', `order ${o.orderId} closed after taking ${o.taken} codes`, { orderId: o.orderId, taken: o.taken })
          this.#ok()
          return
        default: return
      }
    } catch (err) {
      const polls = o.polls + 1
      this.#orders.update(o.localId, this.#clock.now(), {
        polls,
        lastError: errText(err),
        nextAt: this.#clock.now() + backoffDelay(polls, { baseMs: this.#sizing.errorBackoffMinMs, maxMs: this.#sizing.errorBackoffMaxMs, jitter: 0 }),
      })
      this.#recordError(err, { orderId: o.orderId, gtin: o.gtin, state: o.state })
    }
  }

  /**
   * An order sent without an answer: the OMS's receipts (§4.4.19) are searched for the production order id it was
   * sent with (Table 7 `productionOrderId` = our local id; a CREATE_ORDER receipt names it, §10.1.1, Table 351).
   * Found: the order goes on under the OMS's id (or fails with the receipt's reason). Not found within
   * `orderLookupMs` of a search that answered: never created, written off. A search that fails is tried again.
   */
  async #lookUp (o: OrderRow): Promise<void> {
    const now = this.#clock.now()
    if (now - o.createdAt >= ORDER_LIFETIME_MS) {
      this.#orders.update(o.localId, now, { state: 'FAILED', lastError: 'the OMS could not be asked within 48 h; any order it created has auto-closed' })
      this.#decide('abandon', `order ${o.localId} could not be looked up before the OMS auto-closes orders`, { localId: o.localId, gtin: o.gtin })
      return
    }
    const hour = 3_600_000
    const answer = await this.#o.client.searchReceipts({
      productionOrderIds: [o.localId], workflowTypes: ['CREATE_ORDER'],
      startCreateDocDate: o.createdAt - hour, endCreateDocDate: o.createdAt + hour,
    })
    let receipt: ReceiptAnswer['results'][number] | undefined
    for (const r of answer.results) {
      if (r.workflow !== undefined && r.workflow !== 'CREATE_ORDER') continue
      if (r.details?.productionOrderId === o.localId || (r.details?.productionOrderId === undefined && await this.#sentAs(r, o.localId))) { receipt = r; break }
    }
    const orderId = receipt?.details?.orderId ?? receipt?.sourceDocId
    if (receipt !== undefined && orderId !== undefined) {
      if (receipt.state === 'FAILED' || receipt.state === 'REJECTED') {
        this.#orders.update(o.localId, now, { state: 'FAILED', lastError: `OMS receipt ${receipt.state}: ${receipt.description ?? ''}`.trim() })
        this.#decide('order-failed', `order ${o.localId} was found among the OMS receipts as ${receipt.state}`, { localId: o.localId, orderId, gtin: o.gtin })
        return
      }
      this.#orders.update(o.localId, now, { orderId, state: 'PENDING', polls: 0, nextAt: now, lastError: null })
      this.#decide('order-found', `order ${o.localId} was created by the OMS as ${orderId} (found among its receipts); going on`, { localId: o.localId, orderId, gtin: o.gtin })
      return await this.#step(this.#orders.get(o.localId) as OrderRow)
    }
    const age = now - o.createdAt
    if (age >= this.#sizing.orderLookupMs || age >= ORDER_LIFETIME_MS) {
      this.#orders.update(o.localId, now, { state: 'FAILED', lastError: `not among the OMS receipts ${Math.round(age / 1000)} s after it was sent: not created` })
      this.#decide('abandon', `order ${o.localId} is not among the OMS receipts: it was not created`, { localId: o.localId, gtin: o.gtin })
      return
    }
    const polls = o.polls + 1
    this.#orders.update(o.localId, now, { polls, nextAt: now + backoffDelay(polls, { baseMs: this.#sizing.pollMinMs, maxMs: this.#sizing.pollMaxMs, jitter: 0 }) })
  }

  /** Table 351 makes the production order id optional: then the order as the OMS received it (§4.4.20) names it. */
  async #sentAs (r: ReceiptAnswer['results'][number], localId: string): Promise<boolean> {
    if (r.resultDocId === undefined || r.sourceDocId === undefined) return false
    try {
      const sent = JSON.parse(await this.#o.client.receiptDocument(r.resultDocId, r.sourceDocId)) as { attributes?: { productionOrderId?: unknown } }
      return sent.attributes?.productionOrderId === localId
    } catch (err) {
      if (err instanceof SyntaxError) return false
      throw err
    }
  }

  async #advance (o: OrderRow): Promise<void> {
    const orderId = o.orderId as string
    const buf = (await this.#o.client.orderStatus(orderId, o.gtin)).find(b => b.gtin === undefined || b.gtin === o.gtin)
    if (buf === undefined) throw new EmissionOrderError(`OMS status of order ${orderId} has no buffer for ${o.gtin}`, { orderId, gtin: o.gtin })
    const now = this.#clock.now()
    switch (buf.bufferStatus) {
      case 'PENDING': {
        const polls = o.polls + 1
        this.#orders.update(o.localId, now, { polls, nextAt: now + backoffDelay(polls, { baseMs: this.#sizing.pollMinMs, maxMs: this.#sizing.pollMaxMs, jitter: 0 }) })
        return
      }
      case 'REJECTED':
        this.#orders.update(o.localId, now, { state: 'FAILED', lastError: buf.rejectionReason ?? 'REJECTED' })
        this.#alarm('LC_ERR_EMISSION_ORDER', { code: 'EMISSION_ORDER_REJECTED', params: { order: orderId } }, { orderId, gtin: o.gtin, rejectionReason: buf.rejectionReason ?? null })
        return
      case 'CLOSED':
        if (o.taken < o.quantity) this.#alarm('LC_ERR_EMISSION_ORDER', { code: 'EMISSION_ORDER_SHORT', params: { order: orderId, taken: o.taken, quantity: o.quantity } }, { orderId, gtin: o.gtin })
        this.#orders.update(o.localId, now, { state: 'DONE' })
        return
      default: break
    }
    if (o.state === 'PENDING') {
      this.#orders.update(o.localId, now, { state: 'ACTIVE', polls: 0, expiresAt: buf.expiredDate ?? null })
      this.#decide('active', `order ${orderId} is ${buf.bufferStatus}; downloading`, { orderId, expiredDate: buf.expiredDate })
      o = this.#orders.get(o.localId) as OrderRow
    }
    await this.#download(o, buf)
  }

  async #download (o: OrderRow, buf: BufferInfo): Promise<void> {
    const orderId = o.orderId as string
    const expiresAt = buf.expiredDate ?? o.expiresAt ?? this.#clock.now() + 30 * 86_400_000
    if (o.reconcile) {
      for (const b of await this.#o.client.listBlocks(orderId, o.gtin)) {
        if (this.#orders.hasBlock(b.blockId)) continue
        this.#decide('retry-block', `block ${b.blockId} of order ${orderId} was taken but never stored: downloading it again`, { orderId, blockId: b.blockId })
        await this.#import(o, await this.#o.client.retryBlock(b.blockId), expiresAt)
      }
      this.#orders.update(o.localId, this.#clock.now(), { reconcile: false })
    }
    // leftInBuffer was read before this pass; blocks recovered above were already counted by the OMS.
    const base = (this.#orders.get(o.localId) as OrderRow).taken
    for (;;) {
      const cur = this.#orders.get(o.localId) as OrderRow
      const left = Math.min(cur.quantity - cur.taken, buf.leftInBuffer >= 0 ? buf.leftInBuffer - (cur.taken - base) : Infinity)
      if (left <= 0 || buf.bufferStatus === 'EXHAUSTED') break
      // stopping: the order stays open with its codes in the OMS buffer, and the next start downloads on
      if (this.#stopping) return
      const quantity = Math.min(this.#sizing.blockSize, left)
      // Until this block is recorded, a crash or a lost answer means: look for it among the order's blocks.
      this.#orders.update(o.localId, this.#clock.now(), { reconcile: true })
      const block = await this.#o.client.getCodes(orderId, o.gtin, quantity)
      await this.#import(cur, block, expiresAt)
      this.#orders.update(o.localId, this.#clock.now(), { reconcile: false, lastError: null })
      this.#ok()
    }
    this.#orders.update(o.localId, this.#clock.now(), { state: 'CLOSING', nextAt: this.#clock.now() })
    await this.#step(this.#orders.get(o.localId) as OrderRow)
  }

  async #import (o: OrderRow, block: CodesBlock, expiresAt: number, retryOnRefusal = true): Promise<void> {
    const orderId = o.orderId as string
    const now = (): number => this.#clock.now()
    try {
      const r = await this.#o.pool.importBlock({ blockId: block.blockId, orderId, gtin: o.gtin, group: o.group, expiresAt, codes: block.codes })
      this.#orders.recordBlock({ blockId: block.blockId, orderId, localId: o.localId, gtin: o.gtin, count: block.codes.length, state: 'IMPORTED', now: now() })
      this.#decide('imported', `block ${block.blockId}: ${r.duplicateBlock ? 'already in the pool' : `${r.imported} codes imported`}; pool ${this.#o.pool.level(o.gtin)}`, { orderId, blockId: block.blockId, imported: r.imported, duplicateBlock: r.duplicateBlock })
    } catch (err) {
      if (!(err instanceof PoolImportError)) throw err
      if (retryOnRefusal) {
        // Damage in transit (a proxy, a cut body that still parsed) heals with one fresh copy of the block.
        this.#decide('retry-refused', `block ${block.blockId} refused by the pool (${err.message}); downloading it once more`, { orderId, blockId: block.blockId })
        this.#alarm('LC_ERR_EMISSION_BLOCK', { code: 'EMISSION_BLOCK_REFETCH', params: { block: block.blockId } }, { orderId, gtin: o.gtin, blockId: block.blockId, error: err.message, problems: err.context.problems })
        return await this.#import(o, await this.#o.client.retryBlock(block.blockId), expiresAt, false)
      }
      // A block the pool refuses stays refused: downloading it again gives the same codes. Nothing of it is in
      // the pool, nothing already there was touched; the OMS counted it, so it counts as taken.
      this.#orders.recordBlock({ blockId: block.blockId, orderId, localId: o.localId, gtin: o.gtin, count: block.codes.length, state: 'REFUSED', error: err.message, now: now() })
      const e = new EmissionBlockError(`block ${block.blockId} of order ${orderId} refused: ${err.message}`, { orderId, gtin: o.gtin, blockId: block.blockId, problems: err.context.problems }, { cause: err })
      this.#recordError(e, {})
      this.#alarm(e.code, { code: 'EMISSION_BLOCK_REFUSED', params: { block: block.blockId } }, { ...e.context, error: err.message })
    }
  }

  // ---- status -------------------------------------------------------------------------------------------

  status (): EmissionStatus {
    const open = this.#orders.open()
    const gtins: GtinStatus[] = this.#demand.map(d => {
      const level = this.#o.pool.level(d.gtin)
      const { low, target } = this.#thresholds(d)
      return { gtin: d.gtin, group: d.group, level, lowWatermark: low, target, inFlight: this.#inFlight(d.gtin), minutesLeft: d.unitsPerMinute > 0 ? Math.floor(level / d.unitsPerMinute) : null, belowLow: level < low }
    })
    return {
      gtins,
      ordersInFlight: open.map(o => ({ localId: o.localId, orderId: o.orderId, gtin: o.gtin, state: o.state, quantity: o.quantity, taken: o.taken, lastError: o.lastError })),
      lastError: this.#lastError,
      lastDecision: this.#lastDecision,
      healthy: this.#consecutiveFailures === 0,
      consecutiveFailures: this.#consecutiveFailures,
      alarms: [...this.#alarms],
    }
  }

  /** Orders known to the policy, newest first (HMI history, tests). */
  orders (limit = 20): OrderRow[] { return this.#orders.recent(limit) }
  blocksOf (orderId: string): ReturnType<OrderStore['blocks']> { return this.#orders.blocks(orderId) }

  #ok (): void { this.#consecutiveFailures = 0 }

  #decide (action: string, message: string, context: Record<string, unknown>): void {
    this.#lastDecision = { action, message, at: this.#clock.now() }
    this.#log.info({ action, ...context }, message)
  }

  #recordError (err: unknown, context: Record<string, unknown>): void {
    this.#consecutiveFailures++
    const code = err instanceof LineError ? err.code : 'LC_ERR_EMISSION'
    this.#lastError = { code, message: errText(err), at: this.#clock.now(), context }
    this.#log.warn({ err, ...context }, 'emission step failed')
  }

  #alarm (code: ErrorCode, alarm: AlarmRef, context: Record<string, unknown>): void {
    const text = textOf(alarm)
    const a: EmissionAlarm = { code, alarm, severity: CATALOGUE[alarm.code].severity, text, context, at: this.#clock.now() }
    this.#alarms.push(a)
    if (this.#alarms.length > 50) this.#alarms.shift()
    this.#log.error({ alarm: alarm.code, code, ...context }, text.en)
    try { this.#o.onAlarm?.(a) } catch (err) { this.#log.error({ err }, 'alarm listener failed') }
  }
}

function errText (err: unknown): string {
  return err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)
}
