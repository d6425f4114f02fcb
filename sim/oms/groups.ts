// The OMS emulator's own product-group table, written from the СУЗ-Облако 4.0 programmer's guide (API 3.0.27):
// which templates and code types a group orders, how long its serials are, which report methods it has and what
// each method must carry. The controller keeps its own table (line/domain/groups.ts); this one is the reference
// it is tested against, so it is written from the guide, not copied.

export type CisType = 'UNIT' | 'GROUP' | 'SET' | 'BUNDLE'

/** Table 244: dropout reasons. */
export const DROPOUT_REASONS = ['DEFECT', 'EXPIRY', 'QA_SAMPLES', 'PRODUCT_RECALL', 'COMPLAINTS', 'PRODUCT_TESTING', 'DEMO_SAMPLES', 'OTHER', 'DAMAGE_LOSS', 'DESTRUCTION', 'LIQUIDATION', 'CONFISCATION', 'OWN_USE_EXCISE'] as const
/** Table 244 note 2: OWN_USE_EXCISE only for tobacco, otp, ncp. */
const NOT_EXCISE = DROPOUT_REASONS.filter(r => r !== 'OWN_USE_EXCISE')

/** How the codes of a template are built (§8, Tables 260–283). */
export interface CodeLayout {
  /** `gs1`: AI 01 + AI 21 + the rest; `tobacco-pack`: Table 260, no AIs. */
  kind: 'gs1' | 'tobacco-pack'
  serialLength: number
  /** After the serial, in order: AI, length, and whether the OMS puts it in the codes it issues. */
  tail: Array<{ ai: string, length: number, crypto: boolean, fixed?: string, optional?: boolean }>
}

/** What a unit (consumer pack) utilisation must carry (Tables 117–130), beyond productGroup and sntins. */
export interface UtilisationRule {
  /** Attributes every report needs. */
  always: string[]
  /** Attributes a report with UNIT codes needs. */
  units: string[]
  /** A report with UNIT codes needs at least one of these. */
  unitsOneOf?: string[]
  /** `kpp` for a 10-digit participantId, `fiasId` for a 12-digit one; without participantId one of the two. */
  kppOrFias: boolean
  /** Beer, Table 126 notes 4, 5: from 2025-05-01 consumer packs carry these. */
  unitsFrom2025?: string[]
}

export interface OmsGroup {
  productGroup: string
  /** Table 251. */
  id: number
  /** Table 9: serial length issued / sent with SELF_MADE serials. */
  selfMadeSerialLength: number
  /** Table 245 (and Table 239 for the template ids): template → the code types it takes and its layout. */
  templates: Record<number, { cisTypes: CisType[], layout: CodeLayout }>
  /** Table 247: unused codes are cancelled this many calendar days after emission. */
  expiryDays: number
  /** Order attributes (Table 7; tobacco Table 10) and per-product attributes (tobacco Table 11). */
  order: { attributes: string[], productAttributes: string[] }
  /** §4.4.11 note 1 (utilisation by the participant) — false where note 2 says the OMS makes the report. */
  utilisation: UtilisationRule | false
  /** §4.4.9 note 1; reasons Table 244; attributes Table 103 (tobacco). */
  dropout: { reasons: readonly string[], attributes: string[] } | false
  /** §4.4.10 note 1; attributes Table 112 (tobacco); §4.4.10.1.2 partial milk box. */
  aggregation: { attributes: string[], partialBoxAsOne: boolean } | false
}

const gs1 = (serialLength: number, tail: CodeLayout['tail']): CodeLayout => ({ kind: 'gs1', serialLength, tail })
const c93 = { ai: '93', length: 4, crypto: true }
const c91 = { ai: '91', length: 4, crypto: true }
const c92 = (length: number) => ({ ai: '92', length, crypto: true })
const common = { attributes: ['releaseMethodType', 'createMethodType'], productAttributes: [] }

export const OMS_GROUPS: Record<string, OmsGroup> = {
  // §8.8, Table 268: 01 + 21 (6) + 93 (4) + optional 3103 (weight, only in the utilisation report)
  milk: {
    productGroup: 'milk', id: 8, selfMadeSerialLength: 5, expiryDays: 30, order: common,
    templates: { 20: { cisTypes: ['UNIT', 'GROUP', 'SET'], layout: gs1(6, [c93, { ai: '3103', length: 6, crypto: false, optional: true }]) } },
    // Table 122
    utilisation: { always: [], units: [], unitsOneOf: ['expDate', 'expDate72', 'expDateConditions'], kppOrFias: false },
    // Table 244 note 1
    dropout: { reasons: ['DEFECT', 'QA_SAMPLES'], attributes: [] },
    aggregation: { attributes: [], partialBoxAsOne: true },
  },
  // §8.12, Table 274
  water: {
    productGroup: 'water', id: 13, selfMadeSerialLength: 12, expiryDays: 30, order: common,
    templates: { 16: { cisTypes: ['UNIT', 'GROUP'], layout: gs1(13, [c93]) } },
    utilisation: { always: [], units: ['expirationDate'], kppOrFias: false }, // Table 124
    dropout: { reasons: NOT_EXCISE, attributes: [] },
    aggregation: { attributes: [], partialBoxAsOne: false },
  },
  // §8.18, Table 283
  softdrinks: {
    productGroup: 'softdrinks', id: 23, selfMadeSerialLength: 12, expiryDays: 30, order: common,
    templates: { 29: { cisTypes: ['UNIT', 'GROUP', 'SET'], layout: gs1(13, [c93]) } },
    utilisation: { always: ['participantId'], units: ['productionDate', 'expirationDate'], kppOrFias: true }, // Table 130
    dropout: false,
    aggregation: { attributes: [], partialBoxAsOne: false },
  },
  // §8.13, Table 275: + optional 335Y (volume)
  beer: {
    productGroup: 'beer', id: 15, selfMadeSerialLength: 6, expiryDays: 60, order: common,
    templates: { 18: { cisTypes: ['UNIT', 'GROUP'], layout: gs1(7, [c93, { ai: '335Y', length: 6, crypto: false, optional: true }]) } },
    utilisation: { always: ['participantId'], units: ['productionDate', 'expirationDate'], kppOrFias: true, unitsFrom2025: ['alcoholVolume', 'documentNumber', 'documentDate'] }, // Table 126
    dropout: { reasons: NOT_EXCISE, attributes: [] },
    aggregation: { attributes: [], partialBoxAsOne: false },
  },
  // §8.17, Table 282
  nabeer: {
    productGroup: 'nabeer', id: 22, selfMadeSerialLength: 6, expiryDays: 60, order: common,
    templates: { 28: { cisTypes: ['UNIT', 'GROUP'], layout: gs1(7, [c93, { ai: '335Y', length: 6, crypto: false, optional: true }]) } },
    utilisation: { always: [], units: ['productionDate', 'expirationDate'], kppOrFias: true }, // Table 128
    dropout: false,
    aggregation: false,
  },
  // §8.1: packs Table 260 (not GS1: GTIN 14 + serial 7 + MRP 4 + crypto 4), blocks Table 261
  tobacco: {
    productGroup: 'tobacco', id: 3, selfMadeSerialLength: 7, expiryDays: 30,
    // Table 10: no createMethodType; releaseMethodType optional. Table 11: products[].attributes.mrp
    order: { attributes: ['factoryId', 'factoryCountry', 'productCode', 'productDescription'], productAttributes: ['mrp'] },
    templates: {
      3: { cisTypes: ['GROUP'], layout: gs1(7, [{ ai: '8005', length: 6, crypto: false, fixed: '000000' }, c93]) },
      4: { cisTypes: ['UNIT'], layout: { kind: 'tobacco-pack', serialLength: 7, tail: [{ ai: 'mrp', length: 4, crypto: false }, { ai: 'crypto', length: 4, crypto: true }] } },
    },
    // Table 120: kpp / fiasId "conditionally mandatory" — the condition is not decidable from the report, not checked
    utilisation: { always: [], units: [], kppOrFias: false },
    dropout: { reasons: DROPOUT_REASONS, attributes: ['address', 'withChild', 'participantId'] }, // Table 103
    aggregation: { attributes: ['productionLineId'], partialBoxAsOne: false }, // Table 112
  },
  // §8.2, Table 262
  lp: {
    productGroup: 'lp', id: 1, selfMadeSerialLength: 12, expiryDays: 90, order: common,
    templates: { 10: { cisTypes: ['UNIT', 'BUNDLE', 'SET'], layout: gs1(13, [c91, c92(44)]) } },
    utilisation: false, dropout: false, aggregation: false,
  },
  // §8.3, Table 263
  shoes: {
    productGroup: 'shoes', id: 2, selfMadeSerialLength: 12, expiryDays: 90, order: common,
    templates: { 1: { cisTypes: ['UNIT'], layout: gs1(13, [c91, c92(88)]) } },
    utilisation: false, dropout: false, aggregation: false,
  },
  // §8.7, Table 267. Pharma works with an МДЛП token (§9.1.3); the emulator issues its codes only.
  pharma: {
    productGroup: 'pharma', id: 7, selfMadeSerialLength: 13, expiryDays: 90, order: common,
    templates: { 5: { cisTypes: ['UNIT'], layout: gs1(13, [c91, c92(44)]) } },
    utilisation: { always: [], units: [], kppOrFias: false }, dropout: false, aggregation: false,
  },
}

export function omsGroup (productGroup: string): OmsGroup | undefined {
  return Object.hasOwn(OMS_GROUPS, productGroup) ? OMS_GROUPS[productGroup] : undefined
}

/** Limits (§4.4.1 order, §4.4.4 codes, §4.4.9–4.4.11 reports; oms-api.md "Limits"). */
export const LIMITS = { gtinsPerOrder: 10, codesPerRequest: 150_000, codesPerGtin: 2_000_000, codesPerReport: 30_000 } as const
