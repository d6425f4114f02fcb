// The port through which people and systems drive a line: the HMI, the L3 job router and tests use only this.
// The composition root builds the implementation; nothing here knows about HTTP, MQTT or zeromq.

import type { EventEmitter } from 'node:events'
import type { CommandResult, PackmlMode } from './state/packml.ts'
import type { StateSnapshot } from './state/machine.ts'
import type { PrinterFault, PrinterWarning } from '../printers/types.ts'

export type Bilingual = { ru: string, en: string }

export interface JobInput {
  group: string
  gtin: string
  batch: string
  productionDate: string
  expiryDate?: string
  quantity: number
  unitsPerBox: number
  boxesPerPallet: number
  minGrade: 'A' | 'B' | 'C' | 'D'
  unitsPerMinute: number
  /** TN VED code; without it the job's products are not introduced into circulation by the line. */
  tnvedCode?: string
  /** How the codes reach the packs (docs/modes.md); absent: the line's own mode. */
  mode?: 'direct' | 'label' | 'preapplied'
  // What a product group's reports and orders need (line/domain/groups.ts, docs/groups.md); each group asks for some.
  /** Milk, shelf life under 72 h: expiry as yyyy-MM-ddTHH:mm (Table 122). */
  expDate72?: string
  /** Milk: expiry date by storage-condition index (Table 122). */
  expDateConditions?: Record<string, string>
  /** INN of the participant the reports are for (10 digits: organisation, 12: individual). */
  participantId?: string
  /** For an organisation (beer, softdrinks, nabeer, tobacco utilisation). */
  kpp?: string
  /** For an individual instead of kpp. */
  fiasId?: string
  /** Beer: ethyl alcohol content, e.g. "4.5" (Table 126). */
  alcoholVolume?: string
  /** Beer: the primary production document (Table 126). */
  documentNumber?: string
  documentDate?: string
  /** Tobacco: production line id for aggregation and dropout (Tables 112, 103). */
  productionLineId?: string
  /** Tobacco: where codes are written off (dropout, Table 103). */
  address?: string
  /** Tobacco order fields (Tables 10, 11); mrp in kopecks. */
  factoryId?: string
  factoryCountry?: string
  productCode?: string
  productDescription?: string
  mrp?: string
}

export interface JobView extends JobInput {
  id: number
  status: 'active' | 'complete' | 'cancelled'
  startedAt: number
  endedAt: number | null
}

export interface Counters {
  triggered: number
  printed: number
  verified: number
  rejected: number
  rejectsByReason: Record<string, number>
  boxes: number
  pallets: number
  reported: number
  dropped: number
}

export const DEVICE_KINDS = ['printer', 'label-printer', 'camera', 'plc', 'broker', 'oms', 'true-api', 'l3', 'plant-register'] as const
export const DEVICE_STATES = ['ok', 'warning', 'fault', 'offline'] as const

/**
 * One thing a device tile says, as data: the panel words it in the operator's language
 * (line/hmi/panel/i18n-devices.ts). Values are codes or numbers, never sentences.
 */
export type DeviceFact =
  | { key: 'fault', value: PrinterFault }
  | { key: 'warning', value: PrinterWarning }
  /** A printer whose link is being set up. */
  | { key: 'connecting', value: true }
  /** Records loaded into the printer and not yet printed. */
  | { key: 'buffer', value: number }
  /** What a camera reads: units, box labels or pallet labels. */
  | { key: 'role', value: 'unit' | 'box' | 'pallet' }
  | { key: 'triggers', value: number }
  | { key: 'rejects', value: number }
  /** Where the device is reached (the broker's URL): shown as it is. */
  | { key: 'address', value: string }
  /** The plant register: codes accepted on the line's own check, waiting to be claimed there (`plant.whenUnreachable: local`). */
  | { key: 'pending', value: number }
export const DEVICE_FACT_KEYS = ['fault', 'warning', 'connecting', 'buffer', 'role', 'triggers', 'rejects', 'address', 'pending'] as const satisfies ReadonlyArray<DeviceFact['key']>

export interface DeviceView {
  id: string
  kind: typeof DEVICE_KINDS[number]
  online: boolean
  state: typeof DEVICE_STATES[number]
  /** The facts in one English line, for machines and logs (the HTTP API, L3); the panel shows `facts`. */
  detail: string
  facts: DeviceFact[]
  /** The device's or driver's own words (a device error code, the last exception) for the engineer; null when none. */
  note: string | null
}

export interface AlarmView {
  id: number
  code: string
  /** The catalogue's one scale (line/domain/catalogue.ts). */
  severity: 'info' | 'warning' | 'fault'
  /** Operator text from the catalogue, parameters filled in. */
  message: Bilingual
  /** What the operator should do (catalogue). */
  action: Bilingual
  /** Technical detail for the engineer (an API answer, an error), never part of `message`; null when none. */
  detail: Record<string, unknown> | null
  source: string
  raisedAt: number
  active: boolean
  acknowledged: boolean
  acknowledgedBy: string | null
}

export interface PoolView {
  gtin: string | null
  available: number
  /** Production time the pool covers at the job's speed. */
  minutesLeft: number | null
  ordersInFlight: number
  lastError: string | null
}

export interface BoxView {
  /** The open box has no SSCC yet: null (an SSCC is allocated when a box closes). */
  sscc: string | null
  /** The SSCC of the job's last closed box and pallet: what the operator labels and checks after a close. */
  lastBoxSscc: string | null
  lastPalletSscc: string | null
  count: number
  capacity: number
  palletSscc: string | null
  palletCount: number
  palletCapacity: number
}

export interface LastCode {
  seq: number
  code: string | null
  grade: string | null
  verdict: 'good' | 'reject'
  reason: string | null
  at: number
}

export interface LineSnapshot {
  site: string
  line: string
  state: StateSnapshot
  job: JobView | null
  counters: Counters
  pool: PoolView
  devices: DeviceView[]
  alarms: AlarmView[]
  box: BoxView | null
  lastCodes: LastCode[]
  /** Last camera image, if a camera in image mode supplied one. */
  lastImage: { camera: string, seq: number, grade: string, at: number } | null
  at: number
}

export interface ShiftRow {
  jobId: number
  gtin: string
  batch: string
  printed: number
  verified: number
  rejected: number
  boxes: number
  pallets: number
  reported: number
  dropped: number
  startedAt: number
  endedAt: number | null
}

/** A refusal may carry the catalogue code of why (e.g. LC_ERR_JOB_GROUP), for callers that answer with codes. */
export type ControlResult<T = unknown> = { ok: true, value?: T } | { ok: false, reason: Bilingual, code?: string }

/**
 * What the line did for an actor (event 'operation'), in the audit trail's words: `action` is a panel action name
 * (line/hmi/roles.ts), `detail` what it changed (`ok: false` and `reason` when refused; the reason in both languages beside it). The audit trail (line/hmi)
 * records each once: merged into the panel's row for a panel action, as a row of its own for the PLC or the config.
 */
export interface LineOperation { actor: string, action: string, detail: Record<string, unknown>, reason?: Bilingual }

/**
 * Every method that changes something takes the acting user (for the audit trail); the caller has already
 * checked the user's role. Events: 'snapshot' (no payload) whenever something visible changed — consumers call
 * snapshot() at their own bounded rate, so a line at speed never builds snapshots nobody reads; 'operation'
 * (LineOperation) for every change made on someone's behalf.
 */
export interface LineControl extends EventEmitter {
  snapshot(): LineSnapshot
  command(cmd: string, actor: string): Promise<CommandResult>
  setMode(mode: PackmlMode, actor: string): Promise<CommandResult>
  /**
   * Start a job. While another job is active it is refused (LC_ERR_JOB_SWITCH) unless `change` confirms the switch
   * and says what becomes of the active job's open box and pallet (docs/hmi.md "Changing the job").
   */
  startJob(job: JobInput, actor: string, change?: JobChange): Promise<ControlResult<JobView>>
  ackAlarm(id: number, actor: string): Promise<ControlResult>
  /** Close the open box as it is; the open pallet stays open (it closes when full, or by closePartialPallet). */
  closePartialBox(actor: string): Promise<ControlResult<{ sscc: string }>>
  /** Close the open pallet with the boxes on it (the operator's explicit request). */
  closePartialPallet(actor: string): Promise<ControlResult<{ sscc: string }>>
  removeUnit(code: string, actor: string): Promise<ControlResult>
  reprintLabel(sscc: string, actor: string): Promise<ControlResult>
  scrapBox(sscc: string, reason: string, actor: string): Promise<ControlResult>
  shiftReport(fromMs: number, toMs: number): ShiftRow[]
  lastImagePng(): Buffer | null
}

/**
 * The operator's confirmation that the active job ends for a new one, and what becomes of its open box and pallet:
 * `close` — closed partial now (SSCC, label, aggregation report); `leave` — left open in the store under the ended
 * job, for later (docs/hmi.md).
 */
export interface JobChange { confirm: true, box: 'close' | 'leave', pallet: 'close' | 'leave' }

/** A product card in the line's catalogue (line/products/, docs/catalogue.md). */
export interface ProductView {
  gtin: string
  name: string
  group: string
  tnvedCode: string | null
  shelfLifeDays: number | null
  unitsPerBox: number
  boxesPerPallet: number
  certificate: { kind: 'CONFORMITY_CERTIFICATE' | 'CONFORMITY_DECLARATION', number: string, date: string } | null
  labelTemplate: string | null
  /** `nk`: from the National Catalogue; `manual`: entered at the panel; `config`: from the config's job. */
  source: 'nk' | 'manual' | 'config'
  /** The card's id in the National Catalogue (good_id), when it came from there. */
  goodId: number | null
  updatedAt: number
  updatedBy: string
}

export interface CatalogueStatus {
  /** A National Catalogue is configured (`catalogue.url`). */
  configured: boolean
  syncing: boolean
  lastSyncAt: number | null
  /** Cards received at the last successful sync. */
  lastCount: number | null
  lastError: Bilingual | null
}

/**
 * The product catalogue as people and systems use it: read, sync from the National Catalogue on demand, enter a card by
 * hand where the catalogue cannot be reached. Callers have checked the user's role; `actor` goes to the card and the trail.
 */
export interface ProductsControl {
  list(): ProductView[]
  get(gtin: string): ProductView | null
  /** A card entered or corrected by hand (validated: refusals carry the fields in `reason`). */
  save(input: unknown, actor: string): ControlResult<ProductView> & { fields?: Record<string, Bilingual> }
  sync(actor: string): Promise<ControlResult<{ count: number }>>
  status(): CatalogueStatus
}

/** A unit to take out of a box GIS MT holds: dropped out with a reason, or returned (kept, in no box). */
export interface ReworkTake { code: string, fate: 'drop' | 'return', reason?: string }

/** What a rework did (docs/rework.md). */
export interface ReworkOutcome {
  /** The aggregates GIS MT is asked to undo, in order (`00`+SSCC). */
  disaggregated: string[]
  /** The new boxes and pallets (SSCC digits), labelled; empty where nothing was left to repack. */
  newBoxes: string[]
  newPallets: string[]
  dropped: number
  returned: number
}

/** Rework of boxes and pallets GIS MT holds (docs/rework.md): the panel's and the tests' port. */
export interface ReworkControl {
  /** Take units out of a box (or scrap it whole); the rest go into a new box, on a new pallet where GIS MT held one. */
  reworkBox(input: { sscc: string, take: readonly ReworkTake[], scrap?: boolean }, actor: string): Promise<ControlResult<ReworkOutcome>>
  /** Take a pallet apart; `rebuild`: its boxes go onto a new pallet. */
  reworkPallet(input: { sscc: string, rebuild: boolean }, actor: string): Promise<ControlResult<ReworkOutcome>>
  /** Samples for the lab or quality control, by code, with a dropout reason the group allows (Table 244). */
  takeSamples(input: { codes: readonly string[], reason: string }, actor: string): Promise<ControlResult<ReworkOutcome>>
  /** The sample reasons of a group (the panel's choice list). */
  sampleReasons(group: string): readonly string[]
}

/** The line parameters an engineer sets on the set-up tab (docs/setup-mode.md). */
export const PARAMETER_KEYS = ['rejectDistance', 'rejectMargin', 'maxConsecutiveRejects', 'maxRejectsPer100'] as const
export type ParameterKey = typeof PARAMETER_KEYS[number]

/** One parameter as the panel shows it: the value for the next start, and where it comes from. */
export interface ParameterView {
  key: ParameterKey
  /** null: the rule is off (maxRejectsPer100 only). */
  value: number | null
  source: 'panel' | 'config'
  /** The config file's value (what a reset goes back to). */
  configValue: number | null
  changedAt: number | null
  changedBy: string | null
  /** The running tracker's value: it differs from `value` until production starts again. */
  applied: number | null
}

/** A change: new values (null turns maxRejectsPer100 off), and keys given back to the config. */
export interface ParameterChange {
  values: Partial<Record<ParameterKey, number | null>>
  reset: readonly ParameterKey[]
}

/** What a change did, for the audit trail: old → new, and where the new value comes from. */
export interface ParameterChangeRow { key: ParameterKey, from: number | null, to: number | null, source: 'panel' | 'config' }

/** A unit printer as the set-up tab shows it. */
export interface TestPrinterView {
  id: string
  kind: string
  state: string
  bufferLevel: number
  /** Test prints sent and confirmed printed since the controller started. */
  testSent: number
  testPrinted: number
}

export interface SetupView {
  /** The PackML state now. */
  state: string
  /** States in which test prints are allowed. */
  testPrintStates: readonly string[]
  /** States in which parameters cannot be changed. */
  parameterLockedStates: readonly string[]
  printers: TestPrinterView[]
  parameters: ParameterView[]
  maxTestPrints: number
}

export interface TestPrintOutcome { printer: string, count: number, texts: string[] }

/**
 * Set-up mode (docs/setup-mode.md): test prints that take no code from the pool, and the line parameters engineers
 * set on the panel. Callers have checked the user's role; `actor` goes to the audit trail.
 */
export interface SetupControl {
  view(): SetupView
  testPrint(input: { printer: string, count: number }, actor: string): Promise<ControlResult<TestPrintOutcome>>
  /** Refusals of a value carry its field (`fields`) and LC_ERR_SETUP_PARAMETER; of the state, LC_ERR_SETUP_STATE. */
  changeParameters(input: ParameterChange, actor: string): ControlResult<{ changes: ParameterChangeRow[] }> & { fields?: Record<string, Bilingual> }
}
