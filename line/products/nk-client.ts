// National Catalogue (Национальный каталог, API НК v5.41) client: the product cards the line takes its jobs from.
// Calls go through the one HTTP channel (line/http: deadline, response-size cap, retries); answers are checked with
// zod; failures are NkError with a catalogue code. Sections cited are the API document's ("API_НК v5.41"):
//   §2.2 «Универсальные параметры запросов» — `apikey` in the query string (or a GIS MT bearer token);
//   §2.5 «Коды ответов» — 401 no apikey, 403 no access, 404 not found, 413 too much asked, 429 with Retry-After;
//   §3.1.1 «Получить информацию о собственной карточке» — GET /v3/feed-product?gtin= | gtins=a;b (at most 25);
//   §3.1.4 «Получить список собственных карточек…» — GET /v4/product-list?limit&offset (limit ≤ 1000, limit+offset ≤ 10000);
//   §3.2.2 — permit attributes 23561 «Сертификат соответствия», 23557 «Декларация о соответствии» as "номер:::дата",
//            23768 «Товарная группа»; §4.1 «Справочник "Список поддерживаемых товарных групп"».
import { z } from 'zod'
import type { Clock } from '../clock.ts'
import { HttpChannel, HttpNetworkError, HttpStatusError, HttpTimeoutError, HttpTooLargeError, type HttpResponse } from '../http/index.ts'
import type { Logger } from '../log.ts'
import { NkError } from './errors.ts'
import { productInputSchema, type ProductInput } from './product.ts'

export interface NkClientOptions {
  url: string
  apiKey: string
  /** Deadline of one call (10 s). */
  timeoutMs?: number
  /** Largest answer accepted (2 MiB: 25 full cards are far below it). */
  maxResponseBytes?: number
  /** Attempts of one call on 5xx, 429 or a network failure (2). */
  attempts?: number
  /** Calls a second (§2.1: the catalogue limits calls per organisation). */
  maxRequestsPerSecond?: number
  /** At most this many cards per sync (§3.1.4: the list holds at most 10,000). */
  maxCards?: number
  clock?: Clock
  log?: Logger | undefined
}

/** §3.1.1 «Параметры ответа», the parts the line reads; everything else in a card is let through unread. */
const Attr = z.looseObject({
  attr_id: z.number(),
  attr_name: z.string().max(1000).nullish(),
  attr_value: z.union([z.string().max(10_000), z.number()]).nullish(),
  attr_value_type: z.string().max(200).nullish(),
  attr_group_name: z.string().max(1000).nullish(),
  certificate_number: z.string().max(200).nullish(),
  certificate_issued_date: z.string().max(40).nullish(),
})
const Card = z.looseObject({
  good_id: z.number(),
  good_name: z.string().max(2000).nullish(),
  identified_by: z.array(z.looseObject({ value: z.string().max(20), type: z.string().max(40), multiplier: z.number().nullish(), level: z.string().max(40).nullish() })).max(100),
  good_attrs: z.array(Attr).max(5000).default([]),
})
export type NkCard = z.infer<typeof Card>
const FeedAnswer = z.looseObject({ apiversion: z.number().optional(), result: z.array(Card).max(100) })
const ListAnswer = z.looseObject({
  result: z.looseObject({ total: z.number().int().min(0), goods: z.array(z.looseObject({ gtin: z.string().max(20), good_id: z.number().optional() })).max(1000) }),
})

/** §4.1 codes (the «Код в БД» number or the name) of the groups the line runs, to the line's group names (docs/groups.md). */
const NK_GROUPS: Record<string, string> = {
  lp: 'lp', 1: 'lp', shoes: 'shoes', 2: 'shoes', tobacco: 'tobacco-pack', 3: 'tobacco-pack', milk: 'milk', 8: 'milk',
  water: 'water', 13: 'water', beer: 'beer', 15: 'beer', nabeer: 'nabeer', 22: 'nabeer', softdrinks: 'softdrinks', 23: 'softdrinks',
}
const ATTR_GROUP = 23768
const ATTR_TNVED = 13933
const ATTR_TNVED_GROUP = 3959
const ATTR_CERTIFICATE = 23561
const ATTR_DECLARATION = 23557

export interface CardResult { input: ProductInput, goodId: number }
/** A card the line cannot take (a group it does not run, a bad GTIN), with why. */
export interface CardProblem { gtin: string, goodId: number, problem: string }

export class NkClient {
  readonly #channel: HttpChannel
  readonly #apiKey: string
  readonly #maxCards: number

  constructor (o: NkClientOptions) {
    this.#apiKey = o.apiKey
    this.#maxCards = Math.min(10_000, o.maxCards ?? 10_000)
    this.#channel = new HttpChannel({
      upstream: 'National Catalogue', baseUrl: o.url, timeoutMs: o.timeoutMs ?? 10_000, maxResponseBytes: o.maxResponseBytes ?? 2 * 1024 * 1024,
      attempts: o.attempts ?? 2, maxRequestsPerSecond: o.maxRequestsPerSecond ?? 5, backoffBaseMs: 500, backoffMaxMs: 5_000,
      ...(o.clock === undefined ? {} : { clock: o.clock }), log: o.log,
    })
  }

  /** §3.1.4: the GTINs of the owner's cards, page by page (1,000 a page), at most `maxCards`. */
  async ownGtins (now: number): Promise<string[]> {
    const out: string[] = []
    // without dates the method looks at cards updated within a month of today; with both the period may be longer
    const to = new Date(now).toISOString().replace('T', ' ').slice(0, 19)
    for (let offset = 0; offset < this.#maxCards;) {
      const limit = Math.min(1000, this.#maxCards - offset)
      const page = await this.#get('/v4/product-list', { limit, offset, from_date: '2000-01-01 00:00:00', to_date: to }, ListAnswer)
      for (const g of page.result.goods) out.push(g.gtin)
      offset += page.result.goods.length
      if (page.result.goods.length < limit || offset >= page.result.total) break
    }
    return out
  }

  /** §3.1.1 by `gtin`: one card, or LC_ERR_NK_NOT_FOUND. */
  async card (gtin: string): Promise<NkCard> {
    const a = await this.#get('/v3/feed-product', { gtin }, FeedAnswer, { gtin })
    const card = a.result[0]
    if (card === undefined) throw new NkError('LC_ERR_NK_NOT_FOUND', `National Catalogue has no card for GTIN ${gtin}`, { gtin })
    return card
  }

  /** §3.1.1 by `gtins` (25 a call): the cards the catalogue has; unknown GTINs are simply absent. */
  async cards (gtins: readonly string[]): Promise<NkCard[]> {
    const out: NkCard[] = []
    for (let i = 0; i < gtins.length; i += 25) {
      const chunk = gtins.slice(i, i + 25)
      try {
        out.push(...(await this.#get('/v3/feed-product', { gtins: chunk.join(';') }, FeedAnswer)).result)
      } catch (err) {
        // §3.1.1: a selection in which nothing was found is a 404, not an empty list
        if (!(err instanceof NkError && err.code === 'LC_ERR_NK_NOT_FOUND')) throw err
      }
    }
    return out
  }

  async close (): Promise<void> { await this.#channel.close() }

  async #get<T> (path: string, query: Record<string, string | number>, schema: z.ZodType<T>, context: Record<string, unknown> = {}): Promise<T> {
    let res: HttpResponse
    try {
      res = await this.#channel.send({ method: 'GET', path, query: { ...query, apikey: this.#apiKey }, idempotent: true, headers: { accept: 'application/json' } })
    } catch (err) {
      throw nkErrorOf(err, path, context)
    }
    let body: unknown
    try { body = JSON.parse(res.text()) } catch (err) {
      throw new NkError('LC_ERR_NK_RESPONSE', `National Catalogue ${path}: the answer is not JSON`, { path, status: res.status, ...context }, { cause: err })
    }
    const r = schema.safeParse(body)
    if (!r.success) {
      throw new NkError('LC_ERR_NK_RESPONSE', `National Catalogue ${path}: the answer does not match the document (${r.error.issues.slice(0, 3).map(i => `${i.path.join('.')}: ${i.message}`).join('; ')})`, { path, ...context })
    }
    return r.data
  }
}

/** The channel's failures as the catalogue's codes (§2.5 «Коды ответов»). */
export function nkErrorOf (err: unknown, path: string, context: Record<string, unknown> = {}): NkError {
  if (err instanceof NkError) return err
  const cause = { cause: err }
  if (err instanceof HttpStatusError) {
    const ctx = { path, status: err.status, body: err.body.slice(0, 500), ...context }
    if (err.status === 401 || err.status === 403) return new NkError('LC_ERR_NK_AUTH', `National Catalogue refused the apikey (${err.status})`, ctx, cause)
    if (err.status === 404) return new NkError('LC_ERR_NK_NOT_FOUND', `National Catalogue: not found (${path})`, ctx, cause)
    if (err.status >= 500 || err.status === 429) return new NkError('LC_ERR_NK_UNREACHABLE', `National Catalogue answered ${err.status}`, ctx, cause)
    return new NkError('LC_ERR_NK_HTTP', `National Catalogue answered ${err.status} to ${path}`, ctx, cause)
  }
  if (err instanceof HttpTooLargeError) return new NkError('LC_ERR_NK_RESPONSE', err.message, { path, ...context }, cause)
  if (err instanceof HttpTimeoutError || err instanceof HttpNetworkError) return new NkError('LC_ERR_NK_UNREACHABLE', err.message, { path, ...context }, cause)
  return new NkError('LC_ERR_NK_UNREACHABLE', err instanceof Error ? err.message : String(err), { path, ...context }, cause)
}

/** A card in the line's terms (line/products/product.ts), or why the line cannot take it. */
export function productOfCard (card: NkCard): CardResult | CardProblem {
  const unit = card.identified_by.find(i => i.type === 'gtin' && (i.level ?? 'trade-unit') === 'trade-unit') ?? card.identified_by.find(i => i.type === 'gtin')
  const gtin = (unit?.value ?? '').padStart(14, '0')
  const attr = (id: number): string | undefined => { const v = card.good_attrs.find(a => a.attr_id === id)?.attr_value; return v === null || v === undefined ? undefined : String(v).trim() }
  const nkGroup = attr(ATTR_GROUP)
  const group = nkGroup === undefined ? undefined : NK_GROUPS[nkGroup.toLowerCase()]
  if (group === undefined) return { gtin, goodId: card.good_id, problem: `product group ${nkGroup ?? '(none)'} is not one the line runs (docs/groups.md)` }
  // §3.1.1 identified_by: multiplier = units in the package of that level
  const perBox = card.identified_by.find(i => i.level === 'box')?.multiplier ?? 0
  const perPallet = card.identified_by.find(i => i.level === 'pallet')?.multiplier ?? 0
  const boxesPerPallet = perBox > 0 && perPallet > 0 && perPallet % perBox === 0 ? perPallet / perBox : 0
  const candidate = {
    gtin,
    name: (card.good_name ?? attr(2478) ?? gtin).trim().slice(0, 300) || gtin,
    group: group === 'tobacco-pack' && unit?.level === 'inner-pack' ? 'tobacco-block' : group,
    tnvedCode: attr(ATTR_TNVED) ?? attr(ATTR_TNVED_GROUP),
    shelfLifeDays: shelfLifeOf(card),
    unitsPerBox: perBox,
    boxesPerPallet,
    certificate: certificateOf(card),
  }
  const r = productInputSchema.safeParse(candidate)
  if (!r.success) return { gtin, goodId: card.good_id, problem: r.error.issues.map(i => `${i.path.join('.')}: ${englishOf(i.message)}`).join('; ') }
  return { input: r.data, goodId: card.good_id }
}

function englishOf (message: string): string {
  try { return (JSON.parse(message) as { en?: string }).en ?? message } catch { return message }
}

/**
 * The document gives no fixed attr_id for the shelf life: the attribute model is per category (§3.3.2 «attributes»).
 * The line reads the attribute named «Срок годности» (or «Срок хранения») with its unit in attr_value_type.
 */
function shelfLifeOf (card: NkCard): number | undefined {
  const a = card.good_attrs.find(x => /срок (годности|хранения)/i.test(x.attr_name ?? ''))
  if (a === undefined || a.attr_value === null || a.attr_value === undefined) return undefined
  const n = Number(String(a.attr_value).replace(',', '.'))
  if (!Number.isFinite(n) || n <= 0) return undefined
  const unit = (a.attr_value_type ?? '').toLowerCase()
  const days = /час|hour/.test(unit) ? n / 24 : /мес|month/.test(unit) ? n * 30 : /(год|лет|year)/.test(unit) ? n * 365 : n
  return Math.max(1, Math.round(days))
}

/** §3.2.2: permit attributes carry "номер:::дата"; §3.1.1 also gives certificate_number / certificate_issued_date. */
function certificateOf (card: NkCard): ProductInput['certificate'] {
  for (const [id, kind] of [[ATTR_CERTIFICATE, 'CONFORMITY_CERTIFICATE'], [ATTR_DECLARATION, 'CONFORMITY_DECLARATION']] as const) {
    const a = card.good_attrs.find(x => x.attr_id === id)
    if (a === undefined) continue
    const [number, date] = String(a.attr_value ?? '').split(':::')
    const n = (a.certificate_number ?? number ?? '').trim()
    const d = (a.certificate_issued_date ?? date ?? '').trim().slice(0, 10)
    if (n !== '' && /^\d{4}-\d{2}-\d{2}$/.test(d)) return { kind, number: n, date: d }
  }
  return undefined
}
