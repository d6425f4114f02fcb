// Cloud services (OMS, True API), broker, HMI, L3 feed, pool sizing and the store.
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { duration, integer, nonEmpty, port } from './common.ts'

export const storeSchema = z.strictObject({
  path: nonEmpty().default('var/line.db'),
  /** Where the store's identity is remembered (default: beside the store's folder, `.<folder>-<file>.store-id`). */
  identityFile: nonEmpty().optional(),
  synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /**
   * The controller alone holds the store while it runs (line/store/open.ts): a store made read-only or immutable
   * under the line is a store fault, not a SIGBUS. Set false only to read the store with another process while
   * the line runs (the WAL index is then a shared-memory map again).
   */
  exclusive: z.boolean().default(true),
})

export const poolSchema = z.strictObject({
  /** Order more when the pool holds less than this much production … */
  lowWatermarkMinutes: z.number().positive().default(120),
  /** … up to this much. Sized for hours of internet outage. */
  targetMinutes: z.number().positive().default(480),
  /** The same in codes; the larger of the two readings wins. */
  lowWatermarkCodes: integer().min(0).default(0),
  targetCodes: integer().min(0).default(0),
  /** A code is printed only if it stays valid at least this long. */
  minRemainingValidity: duration().default(86_400_000),
  /** Pool level under which the line is held: the last codes are kept for the units already on the conveyor. */
  criticalCodes: integer().min(0).default(50),
  /** Codes per download from the OMS (API max 150,000 a call). */
  blockSize: integer().min(1).max(150_000).default(50_000),
  /** Codes per order (150,000 keeps multi-GTIN orders legal; up to 2,000,000 for a single GTIN). */
  maxOrderCodes: integer().min(1).max(2_000_000).default(150_000),
})

export const signerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('test'), secret: nonEmpty().default('test-signer') }),
  z.strictObject({
    kind: z.literal('external-command'),
    command: nonEmpty(),
    /** Arguments for a detached signature; {mode}, {in}, {out} are replaced (docs/true-api.md). */
    args: z.array(z.string()).default([]),
    /** Arguments for the attached sign-in signature; default: `args`. */
    attachedArgs: z.array(z.string()).optional(),
    timeoutMs: duration().default(30_000),
  }),
], { error: () => 'expected kind "test" or "external-command"' })

export const omsSchema = z.strictObject({
  url: z.url({ error: iss => `expected a URL, received ${JSON.stringify(iss.input)}` }),
  omsId: nonEmpty(),
  clientToken: z.string().optional(),
  /** OMS connection id for obtaining the clientToken through the True API sign-in. */
  omsConnection: z.string().optional(),
  timeoutMs: duration().default(15_000),
  maxRequestsPerSecond: z.number().positive().max(100).default(10),
  signRequests: z.boolean().default(false),
  /** Attempts per call on 5xx / 429 / network errors, with exponential backoff + jitter up to retryMaxMs. */
  attempts: integer().min(1).max(10).default(4),
  retryBaseMs: duration().default(1_000),
  /** oms-api.md: "after a 500 retry in 30 s". */
  retryMaxMs: duration().default(30_000),
})

export const trueApiSchema = z.strictObject({
  url: z.url({ error: iss => `expected a URL, received ${JSON.stringify(iss.input)}` }),
  timeoutMs: duration().default(15_000),
  maxRequestsPerSecond: z.number().positive().max(50).default(50),
  /** Retries of one call on 5xx, 429 or a network error (longer outages are the outbox's business). */
  retries: integer().min(0).max(10).default(3),
  retryBaseMs: duration().default(500),
  /** The token lives ~10 h; get a new one this long before it runs out. */
  tokenRefreshBeforeMs: duration().default(1_800_000),
  /** What the detached document signature covers: the JSON bytes or the base64 text (not settled; docs/true-api.md). */
  signatureOver: z.enum(['json', 'base64']).default('json'),
})

export const brokerSchema = z.strictObject({
  /** An external broker (mqtt://host:1883); when set the embedded one is off. */
  url: z.string().optional(),
  host: nonEmpty().default('127.0.0.1'),
  port: port().default(1883),
  wsPort: port().optional(),
  users: z.array(z.strictObject({
    username: nonEmpty(),
    password: nonEmpty(),
    role: z.enum(['controller', 'plc', 'camera', 'hmi', 'observer']),
    /** For cameras: the camera id it may publish as. */
    deviceId: z.string().optional(),
  })).default([]),
  /** The controller's own login on the broker. Required with an external broker; with the embedded one, an unset
   * password is a random one made at start (only the controller itself logs in with it). */
  username: z.string().default('controller'),
  password: z.string().min(1).optional(),
  tls: z.strictObject({ key: nonEmpty(), cert: nonEmpty(), port: port().default(8883) }).optional(),
  /** SQLite file of the embedded broker's sessions (queued QoS 1 survives a restart). */
  persistence: nonEmpty().default('var/broker.db'),
  /** The controller's MQTT client id (durable session); default `controller-<site>-<line>`. Reserved for `username`. */
  clientId: z.string().optional(),
  /** Largest MQTT packet the embedded broker accepts; a client sending a larger one is disconnected. */
  maxPacketBytes: integer().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
}).superRefine((b, ctx) => {
  if (b.url !== undefined && b.url !== '' && b.password === undefined) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'required with an external broker (broker.url): the controller logs in with it' })
  }
}).transform(b => ({ ...b, password: b.password ?? randomBytes(18).toString('base64url') }))

export const hmiSchema = z.strictObject({
  /** Bind address: loopback by default (the panel browser runs on this PC); 0.0.0.0 for panels on the network. */
  host: nonEmpty().default('127.0.0.1'),
  port: port().default(8080),
  sessionTtl: duration().default(43_200_000),
  /** Pushes to the panel at most this often. */
  updateIntervalMs: duration().default(250),
})

const z85Key = z.string().regex(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/, 'expected a 40-character Z85 CURVE key')

/** An endpoint only this PC can reach: tcp on a loopback address, or ipc/inproc. */
const localEndpoint = (e: string): boolean => /^(ipc|inproc):\/\//.test(e) || /^tcp:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|$)/.test(e)

export const l3Schema = z.strictObject({
  /** zeromq endpoint the event feed binds, e.g. tcp://0.0.0.0:5556 (docs/l3-feed.md). */
  pub: z.string().optional(),
  /** zeromq endpoint the job ROUTER binds, e.g. tcp://0.0.0.0:5557. */
  router: z.string().optional(),
  /** Events kept in memory while the PUB socket is busy; beyond it the oldest are dropped (the seq shows the gap). */
  queueLimit: integer().min(1).default(100_000),
  /** CURVE keys (Z85): this controller's secret key and the MES public keys allowed on both sockets. */
  curve: z.strictObject({ secretKey: z85Key, clients: z.array(z85Key).min(1) }).optional(),
  /** Full codes with crypto tails on the PUB feed; by default only GTIN + serial. */
  fullCodes: z.boolean().default(false),
  /** Job messages a second from one MES peer; more are refused unread. */
  maxMessagesPerSecond: z.number().positive().max(1000).default(20),
}).superRefine((l, ctx) => {
  // a job channel anyone on the network can reach would let anyone end the running job
  if (l.router !== undefined && l.curve === undefined && !localEndpoint(l.router)) {
    ctx.addIssue({ code: 'custom', path: ['curve'], message: `required when l3.router listens beyond this PC (${l.router}): the MES must authenticate with a CURVE key` })
  }
  if (l.pub !== undefined && l.curve === undefined && l.fullCodes && !localEndpoint(l.pub)) {
    ctx.addIssue({ code: 'custom', path: ['fullCodes'], message: 'full codes on a feed beyond this PC need l3.curve (an encrypted, authenticated feed)' })
  }
})

export const reportsSchema = z.strictObject({
  /** Aggregation through the OMS or as True API documents. */
  aggregationVia: z.enum(['oms', 'true-api']).default('oms'),
  /** Send a report when it holds this many codes or after the window, whichever first (API max 30,000). */
  maxCodes: integer().min(1).max(30_000).default(30_000),
  window: duration().default(10_000),
  participantInn: z.string().regex(/^\d{10}(\d{2})?$/, 'expected a 10- or 12-digit INN').default('7700000000'),
  /** Backoff between send attempts, doubling from `retryBaseMs` up to `retryMaxMs`, for as long as an outage lasts. */
  retryBaseMs: duration().default(5_000),
  retryMaxMs: duration().default(300_000),
  /** How often an accepted-or-not status is asked for. */
  pollIntervalMs: duration().default(5_000),
  /** How often the outbox looks for work. */
  tickMs: duration().default(500),
})

/** The National Catalogue (docs/catalogue.md): where product cards come from; without it cards are entered by hand. */
export const catalogueSchema = z.strictObject({
  /** https://апи.национальный-каталог.рф (production), https://api.nk.sandbox.crptech.ru (test) — API НК §1. */
  url: z.url({ error: iss => `expected a URL, received ${JSON.stringify(iss.input)}` }),
  /** The owner's key (API НК §2.2, «Профиль» → «Данные участника» → «API KEY»). */
  apiKey: nonEmpty(),
  timeoutMs: duration().default(10_000),
  /** Largest answer accepted. */
  maxResponseBytes: integer().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Sync only these GTINs; without them every card of the owner (§3.1.4, at most 10,000). */
  gtins: z.array(z.string().regex(/^\d{14}$/, 'expected 14 digits')).max(10_000).optional(),
  /** Sync when the controller starts (in the background: the line never waits for the catalogue). */
  syncOnStart: z.boolean().default(true),
})

/**
 * The plant-wide duplicate check of pre-applied codes (docs/modes.md): the plant's PostgreSQL, shared by its lines;
 * off unless configured (each line then checks its own store only).
 */
export const plantSchema = z.strictObject({
  /** postgres://user:password@host:5432/db — the plant register's database. */
  url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// URL'),
  /** A claim unanswered this long counts as the register unreachable (a pack's check must fit before its reject decision). */
  timeoutMs: duration().default(300),
  /**
   * The register unreachable: `hold` — packs are rejected (UNCHECKED) and the line holds until it answers;
   * `local` — the line checks against its own store, keeps the codes and claims them once the register is back
   * (a code another line had first is then an alarm).
   */
  whenUnreachable: z.enum(['hold', 'local']).default('hold'),
  /** How often codes accepted locally are claimed again, and an unreachable register asked whether it is back. */
  retryMs: duration().default(5_000),
})

/** The ERP / 1C HTTP API (line/erp/, docs/erp-api.md): off unless configured. */
export const erpSchema = z.strictObject({
  /** Bind address: loopback by default (an ERP connector on this PC, or a TLS proxy in front of it). */
  host: nonEmpty().default('127.0.0.1'),
  port: port().default(8090),
  /** One entry per ERP client: its id (in the audit trail) and its key's hash (`npx tsx line/erp/keys.ts` issues one). */
  clients: z.array(z.strictObject({
    id: nonEmpty().max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
    keyHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 hex digits (npx tsx line/erp/keys.ts)').optional(),
    /** The key itself: accepted on a loopback bind only (tests, a connector on this PC); hashed at start. */
    key: z.string().regex(/^[\x21-\x7e]{32,256}$/, 'expected 32–256 printable characters without spaces').optional(),
    /** Requests a minute this client may make. */
    requestsPerMinute: integer().min(1).max(60_000).default(120),
  })).min(1),
  /** How long a stored answer to an idempotency key is replayed (ms); after it the key may be used again. */
  idempotencyTtl: duration().default(7 * 86_400_000),
  /** How long the API's audit rows are kept (ms). */
  auditTtl: duration().default(90 * 86_400_000),
}).superRefine((e, ctx) => {
  const seen = new Set<string>()
  e.clients.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'id'], message: `duplicate client id "${c.id}"` })
    seen.add(c.id)
    if ((c.key === undefined) === (c.keyHash === undefined)) ctx.addIssue({ code: 'custom', path: ['clients', i], message: 'give exactly one of keyHash or key' })
    const loopback = e.host === 'localhost' || e.host === '::1' || e.host.startsWith('127.')
    if (c.key !== undefined && !loopback) ctx.addIssue({ code: 'custom', path: ['clients', i, 'key'], message: `a plain key is refused when erp.host listens beyond this PC (${e.host}): give keyHash` })
  })
})
