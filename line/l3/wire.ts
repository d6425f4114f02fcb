// Connects the L3 feed to a running line: item verdicts, closed boxes and pallets, report state changes and
// alarms go out on PUB; job messages from an MES come in on ROUTER and go to the line through LineControl.
import type { EventEmitter } from 'node:events'
import type { Clock } from '../clock.ts'
import type { ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'
import { JOB_GROUP_FIELDS } from '../domain/groups.ts'
import type { JobInput, LineControl } from '../control.ts'
import type { Logger } from '../log.ts'
import type { CurveServerOptions } from './curve.ts'
import type { JobSpec, MesMessage } from './messages.ts'
import { L3Publisher } from './publisher.ts'
import { L3JobRouter } from './router.ts'

export interface L3WiringOptions {
  /** zeromq endpoints; either may be absent. */
  pub?: string | undefined
  router?: string | undefined
  queueLimit: number
  /** CURVE keys for both sockets (docs/l3-feed.md), full codes on the feed, job messages a second per peer. */
  curve?: CurveServerOptions | undefined
  fullCodes?: boolean
  maxMessagesPerSecond?: number
  /** `<site>/<line>`, stamped on every event. */
  line: string
  clock: Clock
  log: Logger
  control: LineControl
  /** The PackML state name, cheaply: a ping must not build a whole snapshot (default: from the snapshot). */
  state?: () => string
  /** Emits 'item' (tracker verdicts). */
  tracker: EventEmitter
  /** Emits 'closed' (boxes and pallets). */
  aggregator: EventEmitter
  /** Emits 'report' (outbox state changes); null when the line sends no reports. */
  outbox: EventEmitter | null
  /** Emits 'alarm' (every alarm raised or cleared on the line). */
  alarms: EventEmitter
  /** Values a job from the MES does not carry. */
  jobDefaults: { unitsPerMinute: number, minGrade: JobInput['minGrade'], unitsPerBox: number, boxesPerPallet: number }
}

export interface L3Wiring {
  pubEndpoint: string | null
  routerEndpoint: string | null
  publisher: L3Publisher | null
  close(): Promise<void>
}

/** A job from the MES in the line's terms. */
export function jobFromSpec (spec: JobSpec, today: string, d: L3WiringOptions['jobDefaults']): JobInput {
  const job: JobInput = {
    group: spec.group,
    gtin: spec.gtin,
    batch: spec.batch ?? spec.jobId,
    productionDate: spec.productionDate ?? today,
    quantity: spec.quantity,
    unitsPerBox: spec.boxSize ?? d.unitsPerBox,
    boxesPerPallet: spec.palletSize ?? d.boxesPerPallet,
    minGrade: d.minGrade,
    unitsPerMinute: d.unitsPerMinute,
  }
  if (spec.expirationDate !== undefined) job.expiryDate = spec.expirationDate
  if (spec.tnvedCode !== undefined) job.tnvedCode = spec.tnvedCode
  // what the product group needs (line/domain/groups.ts) passes through as the MES sent it
  for (const f of JOB_GROUP_FIELDS) if (f !== 'expiryDate' && spec[f] !== undefined) (job as unknown as Record<string, unknown>)[f] = spec[f]
  return job
}

/** The nack code of a refused job: the group table's, the product card's and the job change's refusals keep their own code, anything else is LC_ERR_JOB_REFUSED. */
function l3Code (code: string | undefined): ErrorCode {
  return code === 'LC_ERR_JOB_GROUP' || code === 'LC_ERR_JOB_GROUP_REFUSED' || code === 'LC_ERR_JOB_GROUP_MISMATCH' ||
    code === 'LC_ERR_JOB_NO_PRODUCT' || code === 'LC_ERR_JOB_SWITCH'
    ? code
    : 'LC_ERR_JOB_REFUSED'
}

export async function startL3 (o: L3WiringOptions): Promise<L3Wiring> {
  let publisher: L3Publisher | null = null
  let router: L3JobRouter | null = null
  const unwire: Array<() => void> = []
  const on = (em: EventEmitter, event: string, fn: (e: unknown) => void): void => { em.on(event, fn); unwire.push(() => em.off(event, fn)) }
  try {
    if (o.pub !== undefined) {
      const pub = new L3Publisher({ endpoint: o.pub, line: o.line, clock: o.clock, queueLimit: o.queueLimit, log: o.log, fullCodes: o.fullCodes === true, ...(o.curve === undefined ? {} : { curve: o.curve }) })
      await pub.bind()
      publisher = pub
      on(o.tracker, 'item', e => { pub.publish('item', e) })
      on(o.aggregator, 'closed', e => { pub.publish('box', e) })
      if (o.outbox !== null) on(o.outbox, 'report', e => { pub.publish('report', e) })
      on(o.alarms, 'alarm', e => { pub.publish('alarm', e) })
    }
    if (o.router !== undefined) {
      const r = new L3JobRouter({
        endpoint: o.router, log: o.log, clock: o.clock, handler: msg => handle(msg, o),
        ...(o.curve === undefined ? {} : { curve: o.curve }), ...(o.maxMessagesPerSecond === undefined ? {} : { maxMessagesPerSecond: o.maxMessagesPerSecond }),
      })
      await r.bind()
      router = r
    }
  } catch (err) {
    for (const u of unwire) u()
    await publisher?.close()
    throw err
  }
  o.log.info({ pub: publisher?.endpoint ?? null, router: router?.endpoint ?? null }, 'L3 feed started')
  return {
    pubEndpoint: publisher?.endpoint ?? null,
    routerEndpoint: router?.endpoint ?? null,
    publisher,
    async close () {
      for (const u of unwire) u()
      await router?.close()
      await publisher?.close()
    },
  }
}

async function handle (msg: MesMessage, o: L3WiringOptions): Promise<unknown> {
  switch (msg.type) {
    case 'ping':
      return { state: o.state?.() ?? o.control.snapshot().state.state }
    case 'job.load': {
      const today = new Date(o.clock.now()).toISOString().slice(0, 10)
      const r = await o.control.startJob(jobFromSpec(msg.job, today, o.jobDefaults), `l3:${msg.job.jobId}`, msg.change)
      if (!r.ok) throw new LineError(l3Code(r.code), `${r.reason.en} / ${r.reason.ru}`, { jobId: msg.job.jobId })
      return { lineJobId: r.value?.id ?? null }
    }
    case 'job.cancel':
      // Product may be on the conveyor: ending a job is the operator's decision at the line. Loading the next job
      // (on a stopped line) ends the current one.
      throw new LineError('LC_ERR_L3_UNSUPPORTED', 'job.cancel is done at the line (HMI): the operator ends a job when the conveyor is clear; a job.load on a stopped line with change.confirm replaces the current job / задание отменяет оператор на линии (HMI); job.load на остановленной линии с change.confirm заменяет текущее задание', { jobId: msg.jobId })
  }
}
