// National Catalogue emulator (Национальный каталог, API НК v5.41), written from the API document, not from the
// line's client: GET /v3/feed-product (§3.1.1) and GET /v4/product-list (§3.1.4) with the `apikey` of §2.2, the
// answer codes of §2.5, and faults on demand (no answer, an endless answer, 503). Imports nothing from line/.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One card as the emulator keeps it; served in the shape of §3.1.1 «Параметры ответа». */
export interface EmulatedProduct {
  gtin: string
  name: string
  /** §4.1 «Список поддерживаемых товарных групп»: the group's name there (milk, water, beer …). */
  group: string
  tnved: string
  /** Shelf life and its unit, as the attribute «Срок годности» carries them. */
  shelfLife?: { value: number, unit: 'сут' | 'мес' | 'час' }
  /** identified_by multipliers (§3.1.1): units in a box, units on a pallet. */
  perBox?: number
  perPallet?: number
  /** §3.2.2: attr 23561 «Сертификат соответствия» / 23557 «Декларация о соответствии», "номер:::дата". */
  permit?: { kind: 'certificate' | 'declaration', number: string, date: string }
  status?: 'draft' | 'published'
}

export type CatalogueFault = 'hang' | 'huge' | '503' | null

export interface CatalogueEmulatorOptions {
  /** The one apikey this emulated account has (§2.2). */
  apiKey: string
  products: EmulatedProduct[]
  host?: string
  port?: number
}

/** The simulated line's products (the GTINs of sim/ and the demo config). */
export const SIM_PRODUCTS: EmulatedProduct[] = [
  { gtin: '04601653030046', name: 'Вода питьевая «Демо», 0,5 л', group: 'water', tnved: '2201101100', shelfLife: { value: 12, unit: 'мес' }, perBox: 12, perPallet: 480, permit: { kind: 'declaration', number: 'ЕАЭС N RU Д-RU.РА01.В.12345/25', date: '2025-03-01' }, status: 'published' },
  { gtin: '04601653030114', name: 'Молоко питьевое 3,2 %, 1 л', group: 'milk', tnved: '0401201100', shelfLife: { value: 10, unit: 'сут' }, perBox: 12, perPallet: 360, permit: { kind: 'declaration', number: 'ЕАЭС N RU Д-RU.РА02.В.54321/25', date: '2025-05-12' }, status: 'published' },
  { gtin: '04601653030183', name: 'Напиток сокосодержащий, 1 л', group: 'softdrinks', tnved: '2009899999', shelfLife: { value: 6, unit: 'мес' }, perBox: 6, perPallet: 300, status: 'published' },
]

const GROUP_IDS: Record<string, number> = { lp: 1, shoes: 2, tobacco: 3, milk: 8, water: 13, beer: 15, nabeer: 22, softdrinks: 23 }

export class CatalogueEmulator {
  readonly #o: CatalogueEmulatorOptions
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #products = new Map<string, { p: EmulatedProduct, goodId: number }>()
  #nextId = 720_679
  /** What the next requests meet (set by tests and scenarios). */
  fault: CatalogueFault = null
  /** Requests answered, by path, for tests. */
  readonly calls: Array<{ path: string, status: number }> = []
  url = ''

  constructor (o: CatalogueEmulatorOptions) {
    this.#o = o
    for (const p of o.products) this.add(p)
    this.#server = createServer((req, res) => { this.#handle(req, res) })
    this.#server.on('connection', s => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)) })
  }

  add (p: EmulatedProduct): void { this.#products.set(p.gtin, { p, goodId: this.#nextId++ }) }

  async start (): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1', resolve))
    const a = this.#server.address() as AddressInfo
    this.url = `http://${a.address}:${a.port}`
    return this.url
  }

  async close (): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  #send (res: ServerResponse, path: string, status: number, body: unknown): void {
    this.calls.push({ path, status })
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'api-usage-limit': `${this.calls.length}/500` })
    res.end(JSON.stringify(body))
  }

  /** §2.5 gives the codes, not an error body: the emulator answers a short JSON with the code and a message. */
  #error (res: ServerResponse, path: string, status: number, message: string): void {
    this.#send(res, path, status, { apiversion: 3, error: { code: status, message } })
  }

  #handle (req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://nk')
    const path = url.pathname
    if (this.fault === 'hang') { this.calls.push({ path, status: 0 }); return }
    if (this.fault === '503') return this.#error(res, path, 503, 'Сервис недоступен, техническое обслуживание, повторите запрос позже')
    if (this.fault === 'huge') {
      // an answer that never ends: a client must stop reading at its own cap
      this.calls.push({ path, status: 200 })
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = (): void => { while (!res.destroyed && res.write(chunk)) { /* until the socket pushes back */ } }
      res.on('drain', pump)
      res.write('{"apiversion":3,"result":[')
      pump()
      return
    }
    if (req.method !== 'GET') return this.#error(res, path, 501, 'Метод не существует')
    // §2.2: the apikey (or a GIS MT token) authorises every call; §2.5 401 when it is missing or not this account's
    const key = url.searchParams.get('apikey')
    const bearer = req.headers.authorization
    if ((key === null || key === '') && bearer === undefined) return this.#error(res, path, 401, 'Не авторизован, в запросе отсутствует apikey/token')
    if (key !== this.#o.apiKey) return this.#error(res, path, 401, 'Не авторизован: неверный apikey')
    if (path === '/v3/feed-product') return this.#feedProduct(url, res, path)
    if (path === '/v4/product-list') return this.#productList(url, res, path)
    return this.#error(res, path, 501, 'Метод не существует')
  }

  /** §3.1.1 notes: one of gtin, good_id, gtins, good_ids; a single with a list is 400; lists at most 25. */
  #feedProduct (url: URL, res: ServerResponse, path: string): void {
    const q = url.searchParams
    const single = q.get('gtin') ?? q.get('good_id')
    const lists = [q.get('gtins'), q.get('good_ids')].filter((v): v is string => v !== null)
    if (single === null && lists.length === 0) return this.#error(res, path, 400, 'Ошибка в параметрах запроса: укажите gtin, good_id, gtins или good_ids')
    if (single !== null && lists.length > 0) return this.#error(res, path, 400, 'Ошибка в параметрах запроса: одиночный параметр вместе со списком')
    if (single !== null) {
      // with both gtin and good_id the good_id wins (§3.1.1)
      const byId = q.get('good_id')
      const hit = byId !== null ? [...this.#products.values()].find(x => String(x.goodId) === byId) : this.#find(q.get('gtin') as string)
      if (hit === undefined) return this.#error(res, path, 404, 'Запрашиваемая информация не найдена')
      return this.#send(res, path, 200, { apiversion: 3, result: [this.#card(hit.p, hit.goodId)] })
    }
    const wanted = lists.flatMap(l => l.split(';')).filter(s => s !== '')
    if (wanted.length > 25) return this.#error(res, path, 400, 'Ошибка в параметрах запроса: не более 25 товарных позиций')
    const ids = new Set(q.get('good_ids')?.split(';') ?? [])
    const found = [...this.#products.values()].filter(x => ids.has(String(x.goodId)) || (q.get('gtins')?.split(';') ?? []).some(g => this.#find(g) === x))
    if (found.length === 0) return this.#error(res, path, 404, 'Запрашиваемая информация не найдена')
    return this.#send(res, path, 200, { apiversion: 3, result: found.map(x => this.#card(x.p, x.goodId)) })
  }

  /** §3.1.4: limit 1..1000, offset ≥ 0, limit + offset ≤ 10000 (else 413). */
  #productList (url: URL, res: ServerResponse, path: string): void {
    const limit = Number(url.searchParams.get('limit') ?? 1000)
    const offset = Number(url.searchParams.get('offset') ?? 0)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) return this.#error(res, path, 400, 'Ошибка в параметрах запроса: limit 1–1000, offset ≥ 0')
    if (limit + offset > 10_000) return this.#error(res, path, 413, 'Размер запроса превышает лимит')
    const all = [...this.#products.values()]
    const goods = all.slice(offset, offset + limit).map(({ p, goodId }) => ({
      good_id: goodId, gtin: p.gtin, good_name: p.name, tnved: p.tnved.slice(0, 4), brand_name: 'Демо', good_status: p.status ?? 'published',
      good_detailed_status: [p.status ?? 'published'], to_date: '2025-09-01 10:00:00',
    }))
    return this.#send(res, path, 200, { apiversion: 4, result: { limit, offset, total: all.length, goods } })
  }

  /** GTINs are compared without leading zeros: the catalogue writes 13 digits where the code has 14 (§3.1.1 example). */
  #find (gtin: string): { p: EmulatedProduct, goodId: number } | undefined {
    const n = gtin.replace(/^0+/, '')
    return [...this.#products.values()].find(x => x.p.gtin.replace(/^0+/, '') === n)
  }

  #card (p: EmulatedProduct, goodId: number): Record<string, unknown> {
    const attr = (id: number, name: string, value: string, group: string, type: string | null = null): Record<string, unknown> =>
      ({ attr_id: id, attr_name: name, attr_value: value, attr_value_type: type, attr_group_id: 0, attr_group_name: group, value_id: 0, gtin: null, multiplier: null, level: '' })
    const attrs = [
      attr(2478, 'Полное наименование товара', p.name, 'Наименование товара и идентификация'),
      attr(23768, 'Товарная группа', String(GROUP_IDS[p.group] ?? p.group), 'Общие'),
      attr(3959, 'Группа ТНВЭД', p.tnved.slice(0, 4), 'Нормативно-сопроводительная документация'),
      attr(13933, 'Код ТНВЭД', p.tnved, 'Нормативно-сопроводительная документация', ''),
    ]
    if (p.shelfLife !== undefined) attrs.push(attr(13836, 'Срок годности', String(p.shelfLife.value), 'Потребительские свойства', p.shelfLife.unit))
    if (p.permit !== undefined) {
      const id = p.permit.kind === 'certificate' ? 23561 : 23557
      attrs.push({ ...attr(id, p.permit.kind === 'certificate' ? 'Сертификат соответствия' : 'Декларация о соответствии', `${p.permit.number}:::${p.permit.date}`, 'Сертификаты'), certificate_number: p.permit.number, certificate_issued_date: p.permit.date })
    }
    const ids: Array<Record<string, unknown>> = [{ value: p.gtin.replace(/^0/, ''), type: 'gtin', multiplier: 1, level: 'trade-unit' }]
    if (p.perBox !== undefined) ids.push({ value: `1${p.gtin.slice(1)}`, type: 'gtin', multiplier: p.perBox, level: 'box' })
    if (p.perPallet !== undefined) ids.push({ value: `2${p.gtin.slice(1)}`, type: 'gtin', multiplier: p.perPallet, level: 'pallet' })
    return {
      good_id: goodId, identified_by: ids, good_name: p.name, is_kit: false, is_set: false, set_gtins: [], good_img: null,
      good_status: p.status ?? 'published', good_detailed_status: [p.status ?? 'published'], good_signed: true, good_mark_flag: true, good_turn_flag: true,
      flags_updated_date: '2025-09-01 10:00:00', create_date: '2025-01-10 09:00:00', update_date: '2025-09-01 10:00:00',
      producer_inn: '7700000000', producer_name: 'ООО «Демо»', categories: [{ cat_id: 30717, cat_name: 'Демо' }], brand_id: 1, brand_name: 'Демо',
      good_images: [], good_attrs: attrs, remainder_type: null, is_tech_gtin: false,
    }
  }
}

/** Start an emulator on `port` (0: any) with the simulated products. */
export async function startCatalogueEmulator (o: Partial<CatalogueEmulatorOptions> = {}): Promise<CatalogueEmulator> {
  const e = new CatalogueEmulator({ apiKey: o.apiKey ?? 'demo-nk-apikey', products: o.products ?? SIM_PRODUCTS, ...(o.host === undefined ? {} : { host: o.host }), ...(o.port === undefined ? {} : { port: o.port }) })
  await e.start()
  return e
}
