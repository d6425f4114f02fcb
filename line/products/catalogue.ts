// The product catalogue behind ProductsControl: cards read from the store, synced from the National Catalogue on
// demand (and at start when configured), entered by hand where the catalogue cannot be reached, and the config's job
// registering its own product. A failed sync is an alarm (CATALOGUE_SYNC_FAILED); the stored cards stay usable.
import type { AlarmBook } from '../alarms/alarms.ts'
import type { Clock } from '../clock.ts'
import type { Bilingual, CatalogueStatus, ControlResult, JobInput, ProductView, ProductsControl } from '../control.ts'
import { entryOf } from '../domain/catalogue.ts'
import { formatPath } from '../domain/validation.ts'
import type { Logger } from '../log.ts'
import { NkError } from './errors.ts'
import { productOfCard, type CardProblem, type CardResult, type NkClient } from './nk-client.ts'
import { productInputSchema, type ProductInput } from './product.ts'
import { inputOf, type ProductStore } from './store.ts'

export interface CatalogueOptions {
  store: ProductStore
  /** Null when no National Catalogue is configured: cards come from the panel and the config only. */
  client: Pick<NkClient, 'ownGtins' | 'cards'> | null
  /** Sync only these GTINs (config `catalogue.gtins`); otherwise every card of the owner (§3.1.4). */
  gtins?: readonly string[]
  alarms: Pick<AlarmBook, 'raise' | 'clear'>
  clock: Clock
  log: Logger
}

function bilingual (message: string): Bilingual {
  try {
    const v = JSON.parse(message) as unknown
    if (typeof v === 'object' && v !== null && 'ru' in v && 'en' in v) return v as Bilingual
  } catch { /* zod's own message */ }
  return { ru: message, en: message }
}

export class ProductCatalogue implements ProductsControl {
  readonly #o: CatalogueOptions
  #syncing: Promise<ControlResult<{ count: number }>> | null = null
  #lastSyncAt: number | null = null
  #lastCount: number | null = null
  #lastError: Bilingual | null = null
  /** Cards the last sync could not take, with why (shown to the engineer through the status detail). */
  skipped: CardProblem[] = []

  constructor (o: CatalogueOptions) { this.#o = o }

  list (): ProductView[] { return this.#o.store.list() }
  get (gtin: string): ProductView | null { return this.#o.store.get(gtin) }

  status (): CatalogueStatus {
    return { configured: this.#o.client !== null, syncing: this.#syncing !== null, lastSyncAt: this.#lastSyncAt, lastCount: this.#lastCount, lastError: this.#lastError }
  }

  save (input: unknown, actor: string): ControlResult<ProductView> & { fields?: Record<string, Bilingual> } {
    const r = productInputSchema.safeParse(input)
    if (!r.success) {
      const fields: Record<string, Bilingual> = {}
      for (const i of r.error.issues) fields[formatPath(i.path, '_')] ??= bilingual(i.message)
      return { ok: false, code: 'LC_ERR_PRODUCT', reason: { ru: `${entryOf('LC_ERR_PRODUCT').text.ru}: ${Object.values(fields).map(f => f.ru).join('; ')}`, en: `${entryOf('LC_ERR_PRODUCT').text.en}: ${Object.values(fields).map(f => f.en).join('; ')}` }, fields }
    }
    const view = this.#o.store.put(r.data, { source: 'manual', actor })
    this.#o.log.info({ gtin: view.gtin, actor }, 'product card entered by hand')
    return { ok: true, value: view }
  }

  /**
   * The config's job brings its product: a card is made from the job's own fields when there is none, or refreshed
   * when the one there came from the config too. A card from the catalogue or a person is never overwritten by it.
   */
  registerConfigJob (job: JobInput): ProductView | null {
    const existing = this.#o.store.get(job.gtin)
    if (existing !== null && existing.source !== 'config') return existing
    const shelf = job.expiryDate === undefined ? undefined : Math.round((Date.parse(`${job.expiryDate}T00:00:00Z`) - Date.parse(`${job.productionDate}T00:00:00Z`)) / 86_400_000)
    const r = productInputSchema.safeParse({
      gtin: job.gtin, name: job.productDescription ?? `GTIN ${job.gtin}`, group: job.group, tnvedCode: job.tnvedCode,
      shelfLifeDays: shelf !== undefined && shelf > 0 ? shelf : undefined, unitsPerBox: job.unitsPerBox, boxesPerPallet: job.boxesPerPallet,
    })
    if (!r.success) {
      this.#o.log.warn({ gtin: job.gtin, issues: r.error.issues.map(i => i.path.join('.')) }, 'the config job gives no valid product card')
      return existing
    }
    return this.#o.store.put(r.data, { source: 'config', actor: 'config' })
  }

  /** Sync from the National Catalogue; one at a time (a second request waits for the running one's result). */
  sync (actor: string): Promise<ControlResult<{ count: number }>> {
    this.#syncing ??= this.#sync(actor).finally(() => { this.#syncing = null })
    return this.#syncing
  }

  async #sync (actor: string): Promise<ControlResult<{ count: number }>> {
    const client = this.#o.client
    if (client === null) return { ok: false, reason: { ru: 'Национальный каталог не настроен (catalogue.url в конфигурации): заведите карточку вручную', en: 'No National Catalogue is configured (catalogue.url): enter the card by hand' } }
    try {
      const gtins = this.#o.gtins !== undefined && this.#o.gtins.length > 0 ? [...this.#o.gtins] : await client.ownGtins(this.#o.clock.now())
      const cards = await client.cards(gtins)
      const taken: CardResult[] = []
      const skipped: CardProblem[] = []
      for (const c of cards) {
        const r = productOfCard(c)
        if ('problem' in r) skipped.push(r)
        else taken.push({ input: this.#merge(r.input), goodId: r.goodId })
      }
      this.#o.store.putMany(taken, { source: 'nk', actor })
      this.skipped = skipped
      this.#lastSyncAt = this.#o.clock.now()
      this.#lastCount = taken.length
      this.#lastError = null
      this.#o.alarms.clear('CATALOGUE_SYNC_FAILED', 'catalogue')
      if (skipped.length > 0) this.#o.log.warn({ skipped }, 'National Catalogue cards the line cannot take')
      this.#o.log.info({ cards: taken.length, skipped: skipped.length, actor }, 'product catalogue synced')
      return { ok: true, value: { count: taken.length } }
    } catch (err) {
      const code = err instanceof NkError ? err.code : 'LC_ERR_NK_UNREACHABLE'
      const reason = entryOf(code).text
      this.#lastError = reason
      this.#o.alarms.raise({ code: 'CATALOGUE_SYNC_FAILED', source: 'catalogue', params: { reason }, detail: { code, error: err instanceof Error ? err.message : String(err), ...(err instanceof NkError ? err.context : {}) } })
      this.#o.log.warn({ err, actor }, 'product catalogue sync failed')
      return { ok: false, code, reason: { ru: `Синхронизация не удалась: ${reason.ru}`, en: `Sync failed: ${reason.en}` } }
    }
  }

  /** What the catalogue does not say (packing, shelf life, label template) is kept from the stored card. */
  #merge (fromNk: ProductInput): ProductInput {
    const stored = this.#o.store.get(fromNk.gtin)
    if (stored === null) return fromNk
    const s = inputOf(stored)
    return {
      ...fromNk,
      unitsPerBox: fromNk.unitsPerBox > 0 ? fromNk.unitsPerBox : s.unitsPerBox,
      boxesPerPallet: fromNk.boxesPerPallet > 0 ? fromNk.boxesPerPallet : s.boxesPerPallet,
      ...(fromNk.shelfLifeDays === undefined && s.shelfLifeDays !== undefined ? { shelfLifeDays: s.shelfLifeDays } : {}),
      ...(fromNk.certificate === undefined && s.certificate !== undefined ? { certificate: s.certificate } : {}),
      ...(s.labelTemplate === undefined ? {} : { labelTemplate: s.labelTemplate }),
    }
  }
}
