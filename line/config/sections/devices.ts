// Printers, cameras and the PLC: which driver, over which connection.
import { z } from 'zod'
import { duration, integer, nonEmpty, port, transport } from './common.ts'

const id = () => nonEmpty().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only (used in MQTT topics)')

export const modbusHeadSchema = z.strictObject({
  id: id(),
  driver: z.literal('modbus-head'),
  transport: transport(),
  unitId: integer().min(0).max(247).default(1),
  /**
   * The head's register map: a shipped map's name (config/heads/<name>.json: "generic", "hitachi-ux") or a path to
   * a map file (.json / .yaml), docs/modbus-head.md "Map files". The file is checked before the line starts.
   */
  map: nonEmpty().default('generic'),
  /** Records kept in the head's buffer ahead of the product (real heads: 50–150). */
  bufferDepth: integer().min(1).max(1000).default(64),
  pollIntervalMs: duration().default(20),
  timeoutMs: duration().default(500),
  /** Pause between reconnect attempts after the head went away. */
  reconnectMs: duration().default(1000),
})

export const zplLabelSchema = z.strictObject({
  id: id(),
  driver: z.literal('zpl-label'),
  transport: transport(),
  /** What the printer prints: unit labels (one code each) or box/pallet labels (SSCC). */
  role: z.enum(['unit', 'box', 'pallet']).default('unit'),
  /** Dot density: the built-in layouts are scaled to it (printers/zpl-label/zpl.ts); a `template` is already in dots. */
  dpi: integer().refine(d => [203, 300, 600].includes(d), 'expected 203, 300 or 600').default(203),
  statusIntervalMs: duration().default(1000),
  timeoutMs: duration().default(2000),
  /** ZPL with placeholders (docs/printers.md); the built-in unit or SSCC layout when absent. */
  template: z.string().optional(),
  /** Labels queued on the host ahead of the printer. */
  bufferDepth: integer().min(1).max(100).default(4),
  reconnectMs: duration().default(1000),
  /**
   * A print-and-apply unit (`role: unit` only): each label is printed and applied when the product reaches the
   * applicator (ZPL `^MM` applicator mode, the start-print signal from the photocell), so the line runs in the
   * `label` mode (docs/modes.md).
   */
  applicator: z.boolean().default(false),
}).refine(p => !p.applicator || p.role === 'unit', { path: ['applicator'], message: 'only a unit label printer (role: unit) can be a print-and-apply applicator' })

/** A Videojet/Zipher machine on the Zipher Text Communications Protocol, serialization mode (docs/printers.md). */
export const ztcpSchema = z.strictObject({
  id: id(),
  driver: z.literal('videojet-ztcp'),
  /** TCP (the printer's text protocol port, set at the printer) or RS232. */
  transport: transport(),
  /** The job's variable field that carries the code, as named in the job (SHO header). */
  field: nonEmpty().refine(f => !/[|\r\n]/.test(f), 'no "|" or line breaks'),
  /** A job to select at the first connect; absent: the job selected at the printer. */
  job: nonEmpty().refine(f => !/[|\r\n]/.test(f), 'no "|" or line breaks').optional(),
  bufferDepth: integer().min(1).max(1000).default(32),
  /** Longest code sent: the size of the job's field (the protocol document states no limit). */
  maxChars: integer().min(1).max(1000).default(150),
  pollIntervalMs: duration().default(50),
  timeoutMs: duration().default(1000),
  reconnectMs: duration().default(1000),
})

/** A Panasonic laser marker (LP-GS/RC/RF/RV) in LP-400/V compatible command mode, one code per marking by SIN (docs/printers.md). */
export const panasonicLpSchema = z.strictObject({
  id: id(),
  driver: z.literal('panasonic-lp'),
  /** Ethernet (the marker's command port, set at the marker) or RS-232C. */
  transport: transport(),
  /** The SIN string No. (00–15) set to the 2D code object of the marker's file ("Characters specified by SIN command"). */
  stringNo: integer().min(0).max(15).default(0),
  /** Check sum on every frame: RS-232C only, as set at the marker (the manual: never with Ethernet). */
  checksum: z.boolean().default(false),
  /** Codes kept on the host ahead of the product; the marker holds one. */
  bufferDepth: integer().min(1).max(1000).default(8),
  /** Longest code sent: the SIN command carries at most 99 characters. */
  maxChars: integer().min(1).max(99).default(99),
  pollIntervalMs: duration().default(100),
  timeoutMs: duration().default(1000),
  /** Wait after a command-reception switch before the next code (the manual: 1 second or more). */
  settleMs: duration().default(1000),
  /** The longest marking: clear() waits this long for the end of a marking already under way. */
  markingMs: duration().default(1000),
  reconnectMs: duration().default(1000),
}).refine(p => !p.checksum || p.transport.kind === 'serial', { message: 'the check sum is RS-232C only (the marker has none on Ethernet)', path: ['checksum'] })

export const printerSchema = z.discriminatedUnion('driver', [modbusHeadSchema, zplLabelSchema, ztcpSchema, panasonicLpSchema], {
  error: iss => iss.input === undefined ? 'required' : 'expected driver "modbus-head", "zpl-label", "videojet-ztcp" or "panasonic-lp"',
})

export const cameraSchema = z.strictObject({
  id: id(),
  /**
   * What it looks at: units (each result matched to its product by the trigger seq), or box / pallet labels after
   * the label printer (each result is the next closed container's, in closing order; docs/verifiers.md).
   */
  role: z.enum(['unit', 'box', 'pallet']).default('unit'),
  /** Pitches (trigger positions) from the print station to this camera; must be before the reject decision point. */
  distance: integer().min(0).default(2),
  /** A result later than this after the trigger counts as missing: the item is rejected. */
  resultTimeoutMs: duration().default(1500),
  /** A fixed-mount reader without MQTT (Cognex, Keyence): a TCP bridge publishes its results (verifiers/bridges/tcp-reader). */
  bridge: z.strictObject({
    kind: z.literal('tcp-reader'),
    host: nonEmpty(),
    port: port(),
    /** Result string, e.g. "{seq},{code},{grade},{sc},{mod},{fpd},{an},{gn},{uec}" (docs/verifiers.md). */
    template: z.string().optional(),
    gsToken: z.string().optional(),
    noRead: z.string().optional(),
    terminator: z.string().optional(),
  }).optional(),
})

/**
 * How the PLC talks to the controller: MQTT on the line's broker (docs/plc-mqtt.md), or Modbus TCP with the
 * controller as the server the PLC's client (S7 MB_CLIENT, CODESYS ModbusFB) connects to (docs/plc-modbus.md).
 */
export const plcTransportSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mqtt') }),
  z.strictObject({
    kind: z.literal('modbus-tcp'),
    /** The address the server binds to ("0.0.0.0": all interfaces). */
    host: nonEmpty().default('0.0.0.0'),
    /** 502 is Modbus TCP's registered port (it needs administrator rights on Linux); 0: any free port. */
    port: port().default(502),
    /** The unit identifier answered; 255 answers any, as a device addressed directly over TCP should. */
    unitId: integer().min(1).max(255).default(255),
    /** The controller's heartbeat period; the PLC writes its own at least this often. */
    heartbeatMs: duration().refine(ms => ms >= 20 && ms <= 10_000, 'between 20 ms and 10 s').default(250),
    /** No PLC heartbeat for this long: the alarm PLC_LOST. The PLC applies the same to the controller's. */
    timeoutMs: duration().refine(ms => ms >= 100 && ms <= 60_000, 'between 100 ms and 60 s').default(2000),
  }),
], { error: iss => iss.input === undefined ? 'required' : 'expected kind "mqtt" or "modbus-tcp" (host, port, unitId, heartbeatMs, timeoutMs)' })

export const plcSchema = z.strictObject({
  /** The PLC's transport; MQTT unless said otherwise. */
  transport: plcTransportSchema.default({ kind: 'mqtt' }),
  /** Pitches from the print station to the reject gate. */
  rejectDistance: integer().min(1).default(5),
  /** Decide every product at the latest this many pitches before the gate (time for the reject to travel). */
  rejectMargin: integer().min(1).default(2),
  /** This many rejects in a row hold the line. */
  maxConsecutiveRejects: integer().min(1).default(5),
  /** This many rejects among the last 100 products hold the line (alarm FAULT_REJECT_RATE); absent: no such rule. */
  maxRejectsPer100: integer().min(1).max(100).optional(),
  /** The PLC confirms every product at the reject gate on `plc/gate` (docs/plc-mqtt.md); false: count triggers. */
  gateConfirmation: z.boolean().default(true),
  /**
   * Fail-safe verdicts: the controller sends `plc/accept` for every product it verified good, and the PLC rejects
   * any product without one at the gate (a verdict that comes too late, a controller starved of CPU). False: the
   * PLC passes every product it got no reject for (docs/plc-mqtt.md).
   */
  failSafe: z.boolean().default(true),
})

/**
 * The manual aggregation station (docs/station.md): a handheld scanner fills boxes by hand. A USB keyboard-wedge
 * scanner types into the panel's station screen and needs nothing here; a serial (RS-232 / USB virtual COM) or
 * Ethernet scanner sending one line per read is listed under `scanners`.
 */
export const stationSchema = z.strictObject({
  /** Units per station box when the job's own unitsPerBox is 0 (the line does not box that job). */
  unitsPerBox: integer().min(1).max(100_000).default(12),
  scanners: z.array(z.strictObject({
    id: id(),
    /** Serial port (8N1 at the scanner's baud rate) or TCP for a scanner on a serial-to-Ethernet server. */
    transport: transport(),
    /** The scanner's suffix: a read ends at CR, LF or CR LF ("any" takes each of them). */
    terminator: z.enum(['cr', 'lf', 'crlf', 'any']).default('any'),
    /** Longest read accepted; longer lines are refused whole (a marking code with its crypto tail is under 200). */
    maxLength: integer().min(20).max(4096).default(512),
    /** A read without its terminator for this long is refused (a cable pulled mid-read, a wrong suffix). */
    partialTimeoutMs: duration().default(1000),
    reconnectMs: duration().default(2000),
  })).default([]),
}).superRefine((s, ctx) => {
  const seen = new Set<string>()
  s.scanners.forEach((sc, i) => {
    if (seen.has(sc.id)) ctx.addIssue({ code: 'custom', path: ['scanners', i, 'id'], message: `duplicate id "${sc.id}"` })
    seen.add(sc.id)
  })
})
