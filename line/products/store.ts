// The product catalogue's table (`products`): one card per GTIN. The one owner of its SQL (docs/architecture.md).
import type { Clock } from '../clock.ts'
import type { ProductView } from '../control.ts'
import { migrate, type Db } from '../store/open.ts'
import type { ProductInput, ProductSource } from './product.ts'

const MIGRATIONS = [`
  CREATE TABLE products (
    gtin TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    product_group TEXT NOT NULL,
    tnved TEXT,
    shelf_life_days INTEGER,
    units_per_box INTEGER NOT NULL,
    boxes_per_pallet INTEGER NOT NULL,
    certificate TEXT,
    label_template TEXT,
    source TEXT NOT NULL CHECK (source IN ('nk', 'manual', 'config')),
    good_id INTEGER,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
  );
`]

interface Row {
  gtin: string, name: string, product_group: string, tnved: string | null, shelf_life_days: number | null, units_per_box: number,
  boxes_per_pallet: number, certificate: string | null, label_template: string | null, source: ProductSource, good_id: number | null,
  updated_at: number, updated_by: string
}

export class ProductStore {
  readonly #db: Db
  readonly #clock: Clock

  constructor (db: Db, o: { clock: Clock }) {
    this.#db = db
    this.#clock = o.clock
    migrate(db, 'products', MIGRATIONS)
  }

  list (): ProductView[] {
    return (this.#db.prepare('SELECT * FROM products ORDER BY name, gtin').all() as Row[]).map(toView)
  }

  get (gtin: string): ProductView | null {
    const r = this.#db.prepare('SELECT * FROM products WHERE gtin = ?').get(gtin) as Row | undefined
    return r === undefined ? null : toView(r)
  }

  /** Write a validated card (insert or replace), stamped with its source and who wrote it. */
  put (p: ProductInput, o: { source: ProductSource, actor: string, goodId?: number | null }): ProductView {
    this.#db.prepare(`INSERT INTO products (gtin, name, product_group, tnved, shelf_life_days, units_per_box, boxes_per_pallet, certificate, label_template, source, good_id, updated_at, updated_by)
      VALUES (@gtin, @name, @group, @tnved, @shelf, @box, @pallet, @cert, @label, @source, @goodId, @at, @by)
      ON CONFLICT(gtin) DO UPDATE SET name = excluded.name, product_group = excluded.product_group, tnved = excluded.tnved,
        shelf_life_days = excluded.shelf_life_days, units_per_box = excluded.units_per_box, boxes_per_pallet = excluded.boxes_per_pallet,
        certificate = excluded.certificate, label_template = excluded.label_template, source = excluded.source, good_id = excluded.good_id,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by`).run({
      gtin: p.gtin, name: p.name, group: p.group, tnved: p.tnvedCode ?? null, shelf: p.shelfLifeDays ?? null, box: p.unitsPerBox, pallet: p.boxesPerPallet,
      cert: p.certificate === undefined ? null : JSON.stringify(p.certificate), label: p.labelTemplate ?? null, source: o.source,
      goodId: o.goodId ?? null, at: this.#clock.now(), by: o.actor,
    })
    return this.get(p.gtin) as ProductView
  }

  /** Several cards in one transaction (a catalogue sync writes all it received, or nothing). */
  putMany (cards: ReadonlyArray<{ input: ProductInput, goodId: number | null }>, o: { source: ProductSource, actor: string }): void {
    this.#db.transaction(() => { for (const c of cards) this.put(c.input, { ...o, goodId: c.goodId }) })()
  }
}

function toView (r: Row): ProductView {
  return {
    gtin: r.gtin, name: r.name, group: r.product_group, tnvedCode: r.tnved, shelfLifeDays: r.shelf_life_days, unitsPerBox: r.units_per_box,
    boxesPerPallet: r.boxes_per_pallet, certificate: r.certificate === null ? null : JSON.parse(r.certificate) as ProductView['certificate'],
    labelTemplate: r.label_template, source: r.source, goodId: r.good_id, updatedAt: r.updated_at, updatedBy: r.updated_by,
  }
}

/** A view back to the input a card is written from (to merge a sync into what a person entered). */
export function inputOf (p: ProductView): ProductInput {
  return {
    gtin: p.gtin, name: p.name, group: p.group, unitsPerBox: p.unitsPerBox, boxesPerPallet: p.boxesPerPallet,
    ...(p.tnvedCode === null ? {} : { tnvedCode: p.tnvedCode }),
    ...(p.shelfLifeDays === null ? {} : { shelfLifeDays: p.shelfLifeDays }),
    ...(p.certificate === null ? {} : { certificate: p.certificate }),
    ...(p.labelTemplate === null ? {} : { labelTemplate: p.labelTemplate }),
  }
}
