// The connection doctor's checks (docs/doctor.md): each asks one thing of the services the config names and
// answers one verdict in Russian and English. Read-only: nothing is ordered, reported or signed in that would
// disturb a running line (an OMS connection's sign-in voids the line's token, so it runs only when asked).
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { LineConfig } from '../config/schema.ts'
import { OmsClient } from '../emission/client.ts'
import { OmsHttpError } from '../emission/errors.ts'
import { StaticTokenProvider, detachedSigner, signedInTokens, type TokenProvider } from '../emission/token.ts'
import { TrueApiClient } from '../gismt/client.ts'
import { openOrderIds } from '../emission/orders.ts'
import { availableCount } from '../pool/read-only.ts'
import { createSigner } from '../signer/index.ts'
import type { Clock } from '../clock.ts'

export type VerdictStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface Verdict {
  check: string
  status: VerdictStatus
  ru: string
  en: string
  detail?: Record<string, unknown>
}

export interface DoctorOptions {
  clock: Clock
  /** Sign in for the OMS connection (voids the token the running line holds): only when the line is stopped. */
  signInOms?: boolean
  /** Per request (default 5 s): a doctor must answer, not hang on a dead endpoint. */
  timeoutMs?: number
  /** Clock skew that is still fine, and beyond which documents and tokens go wrong. */
  skewWarnMs?: number
  skewFailMs?: number
}

const v = (check: string, status: VerdictStatus, ru: string, en: string, detail?: Record<string, unknown>): Verdict => ({ check, status, ru, en, ...(detail === undefined ? {} : { detail }) })
const msg = (err: unknown): string => err instanceof Error ? err.message : String(err)

/** The signer the config names signs (detached, as documents and X-Signature need). */
export async function checkSigner (config: LineConfig): Promise<Verdict> {
  try {
    const signer = createSigner(config.signer)
    const sig = await signer.sign(Buffer.from('doctor', 'utf8'), { detached: true })
    return v('signer', 'ok', `Подпись работает (${signer.kind})`, `The signer signs (${signer.kind})`, { kind: signer.kind, bytes: sig.length })
  } catch (err) {
    return v('signer', 'fail', `Подпись не работает: ${msg(err)}`, `The signer fails: ${msg(err)}`)
  }
}

/**
 * Whether `url` answers at all, and how far its clock is from ours (its HTTP `Date` against the middle of the
 * exchange; one-second resolution). Any status counts as an answer.
 */
export async function checkClock (name: string, url: string, o: DoctorOptions): Promise<Verdict> {
  const id = `${name}.clock`
  const t0 = o.clock.now()
  let date: string | null
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 5000) })
    date = res.headers.get('date')
    await res.arrayBuffer().catch(() => undefined)
  } catch (err) {
    return v(id, 'fail', `${name}: нет ответа от ${new URL(url).origin} (${msg(err)})`, `${name}: no answer from ${new URL(url).origin} (${msg(err)})`)
  }
  const t1 = o.clock.now()
  const server = date === null ? NaN : Date.parse(date)
  if (Number.isNaN(server)) return v(id, 'warn', `${name}: отвечает, но не сообщает время`, `${name}: answers, but sends no time`)
  const skew = Math.round(server - (t0 + t1) / 2)
  const abs = Math.abs(skew)
  const seconds = String(Math.round(skew / 1000) + 0) // + 0: no "-0"
  if (abs > (o.skewFailMs ?? 300_000)) return v(id, 'fail', `${name}: часы расходятся на ${seconds} с — исправьте время компьютера линии (NTP)`, `${name}: clocks differ by ${seconds} s — fix the line PC's time (NTP)`, { skewMs: skew })
  if (abs > (o.skewWarnMs ?? 60_000)) return v(id, 'warn', `${name}: часы расходятся на ${seconds} с`, `${name}: clocks differ by ${seconds} s`, { skewMs: skew })
  return v(id, 'ok', `${name}: отвечает, часы сходятся (${seconds} с)`, `${name}: answers, clocks agree (${seconds} s)`, { skewMs: skew })
}

/** The participant's own True API sign-in with the configured signer (auth/key → simpleSignIn, §1.5). */
export async function checkTrueApiSignIn (config: LineConfig, client: TrueApiClient | null): Promise<Verdict> {
  if (config.trueApi === undefined || client === null) return v('true-api.sign-in', 'skip', 'True API не настроен', 'No True API configured')
  try {
    await client.auth.getToken()
    return v('true-api.sign-in', 'ok', 'Вход в True API с подписью линии выполнен', 'Signed in to the True API with the line\'s signer')
  } catch (err) {
    return v('true-api.sign-in', 'fail', `Вход в True API не выполнен: ${msg(err)}`, `True API sign-in failed: ${msg(err)}`)
  }
}

/** Where the OMS token comes from; null when it cannot be had without disturbing the line. */
export function omsTokens (config: LineConfig, client: TrueApiClient | null, o: DoctorOptions): { tokens: TokenProvider } | Verdict {
  const oms = config.oms
  if (oms === undefined) return v('oms.token', 'skip', 'СУЗ не настроена', 'No OMS configured')
  const connection = oms.omsConnection
  if (connection !== undefined && connection !== '') {
    if (client === null) return v('oms.token', 'fail', 'omsConnection задан, но нет раздела trueApi для получения токена', 'omsConnection is set, but there is no trueApi section to get the token through')
    if (o.signInOms !== true) {
      return v('oms.token', 'skip', 'Токен СУЗ не запрошен: новый вход отменит токен работающей линии. Остановите линию и запустите с --sign-in-oms', 'OMS token not asked: a new sign-in voids the running line\'s token. Stop the line and run with --sign-in-oms')
    }
    return { tokens: signedInTokens(client.omsTokenProvider(connection)) }
  }
  if (oms.clientToken === undefined || oms.clientToken === '') return v('oms.token', 'fail', 'Нет ни clientToken, ни omsConnection', 'Neither clientToken nor omsConnection is set')
  return { tokens: new StaticTokenProvider(oms.clientToken) }
}

/** §4.4.25: the OMS answers this omsId with this token (and X-Signature when the config signs requests). */
export async function checkOmsPing (config: LineConfig, oms: OmsClient): Promise<Verdict> {
  const omsId = config.oms?.omsId ?? ''
  try {
    const p = await oms.ping()
    if (p.omsId !== omsId) return v('oms.ping', 'fail', `СУЗ ответила другим omsId (${p.omsId})`, `The OMS answered another omsId (${p.omsId})`, { omsId: p.omsId })
    return v('oms.ping', 'ok', `СУЗ доступна, токен и omsId приняты (СУЗ ${p.omsVersion ?? '?'}, API ${p.apiVersion ?? '?'})`, `The OMS answers, token and omsId accepted (OMS ${p.omsVersion ?? '?'}, API ${p.apiVersion ?? '?'})`, { omsVersion: p.omsVersion, apiVersion: p.apiVersion })
  } catch (err) {
    if (err instanceof OmsHttpError && err.status === 401) return v('oms.ping', 'fail', 'СУЗ не приняла токен (clientToken)', 'The OMS refused the token (clientToken)', { status: 401 })
    if (err instanceof OmsHttpError && (err.status === 400 || err.status === 404)) return v('oms.ping', 'fail', `СУЗ не приняла запрос: проверьте omsId (${err.status})`, `The OMS refused the request: check omsId (${err.status})`, { status: err.status })
    return v('oms.ping', 'fail', `СУЗ не отвечает: ${msg(err)}`, `The OMS does not answer: ${msg(err)}`)
  }
}

/**
 * The job's GTIN: the line's open orders for it (read from its store, read-only) and their buffers in the OMS
 * (§4.4.2 order/status); the codes ready in the pool. Nothing is ordered.
 */
export async function checkBuffers (config: LineConfig, oms: OmsClient): Promise<Verdict> {
  const gtin = config.job?.gtin
  if (gtin === undefined) return v('oms.buffers', 'skip', 'В конфигурации нет задания: GTIN не проверен', 'No job in the config: no GTIN to check')
  const path = config.store.path
  if (path === ':memory:' || !existsSync(path)) return v('oms.buffers', 'skip', `Хранилище линии ${path} не найдено: заказы не проверены`, `The line's store ${path} is not there: no orders to check`)
  let orders: Array<{ orderId: string }>
  let ready: number
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000 })
    try {
      orders = openOrderIds(db, gtin).map(orderId => ({ orderId }))
      ready = availableCount(db, gtin)
    } finally { db.close() }
  } catch (err) {
    return v('oms.buffers', 'skip', `Хранилище линии не читается (${msg(err)}): заказы не проверены`, `The line's store cannot be read (${msg(err)}): no orders to check`)
  }
  if (orders.length === 0) return v('oms.buffers', 'ok', `GTIN ${gtin}: открытых заказов нет, в пуле ${ready} кодов`, `GTIN ${gtin}: no open order, ${ready} codes in the pool`, { ready })
  const buffers: Array<Record<string, unknown>> = []
  for (const { orderId } of orders) {
    try {
      for (const b of await oms.orderStatus(orderId, gtin)) buffers.push({ orderId, status: b.bufferStatus, left: b.leftInBuffer })
    } catch (err) {
      return v('oms.buffers', 'fail', `Заказ ${orderId}: СУЗ не сообщила состояние (${msg(err)})`, `Order ${orderId}: the OMS did not tell its state (${msg(err)})`, { orderId })
    }
  }
  const left = buffers.reduce((n, b) => n + Math.max(0, Number(b.left ?? 0)), 0)
  const bad = buffers.filter(b => b.status === 'REJECTED' || b.status === 'CLOSED' || b.status === 'EXHAUSTED')
  const status: VerdictStatus = bad.length === buffers.length ? 'warn' : 'ok'
  return v('oms.buffers', status, `GTIN ${gtin}: заказов ${orders.length}, в буферах СУЗ ${left} кодов, в пуле ${ready}`, `GTIN ${gtin}: ${orders.length} order(s), ${left} codes in the OMS buffers, ${ready} in the pool`, { orders: orders.length, buffers, ready })
}

/** Every check, in the order an engineer fixes things: signer, reachability and clocks, sign-ins, OMS, buffers. */
export async function runDoctor (config: LineConfig, o: DoctorOptions): Promise<Verdict[]> {
  const out: Verdict[] = [await checkSigner(config)]
  const timeoutMs = o.timeoutMs ?? 5000
  if (config.oms !== undefined) out.push(await checkClock('OMS', `${config.oms.url.replace(/\/$/, '')}/api/v3/ping?omsId=${encodeURIComponent(config.oms.omsId)}`, o))
  if (config.trueApi !== undefined) out.push(await checkClock('True API', `${config.trueApi.url.replace(/\/$/, '')}/api/v3/true-api/auth/key`, o))
  const trueApi = config.trueApi === undefined
    ? null
    : new TrueApiClient({ url: config.trueApi.url, signer: createSigner(config.signer), clock: o.clock, timeoutMs, retries: 0, signatureOver: config.trueApi.signatureOver })
  out.push(await checkTrueApiSignIn(config, trueApi))
  const tokens = omsTokens(config, trueApi, o)
  if ('check' in tokens) {
    out.push(tokens)
    return out
  }
  const oms = config.oms as NonNullable<LineConfig['oms']>
  const client = new OmsClient({
    url: oms.url, omsId: oms.omsId, tokens: tokens.tokens, timeoutMs, attempts: 1, maxRequestsPerSecond: oms.maxRequestsPerSecond, clock: o.clock,
    ...(oms.signRequests ? { signer: detachedSigner(createSigner(config.signer)) } : {}),
  })
  try {
    const ping = await checkOmsPing(config, client)
    out.push(ping)
    if (ping.status === 'ok') out.push(await checkBuffers(config, client))
  } finally { await client.close() }
  return out
}
