// The one product-group table: what the OMS and GIS MT take from each group the line supports — order fields and
// template, which reports exist, the attributes each report needs and where the job supplies them, the dropout reasons,
// the partial-box rule and how the goods are introduced. Job validation, order creation, the report planner and the
// senders read this table; nothing else in line/ names a group. Sources (docs/groups.md): the OMS programmer's guide
// "СУЗ-Облако 4.0, Руководство программиста" (API 3.0.27) — "§" and "Table" below — and True API v553 ("TA §").

import type { Bilingual } from './catalogue.ts'

/** Table 244 (§5.3.1.9): the OMS dropout reasons. */
export const DROPOUT_REASONS = ['DEFECT', 'EXPIRY', 'QA_SAMPLES', 'PRODUCT_RECALL', 'COMPLAINTS', 'PRODUCT_TESTING', 'DEMO_SAMPLES', 'OTHER', 'DAMAGE_LOSS', 'DESTRUCTION', 'LIQUIDATION', 'CONFISCATION', 'OWN_USE_EXCISE'] as const
export type DropoutReason = typeof DROPOUT_REASONS[number]

/** Table 245 (§5.3.1.10). */
export type CisType = 'UNIT' | 'GROUP' | 'SET' | 'BUNDLE'

/** The job fields the table can ask for (beyond the always-present GTIN, batch, productionDate …). */
export const JOB_GROUP_FIELDS = [
  'expiryDate', 'expDate72', 'expDateConditions', 'participantId', 'kpp', 'fiasId', 'alcoholVolume', 'documentNumber', 'documentDate',
  'productionLineId', 'address', 'factoryId', 'factoryCountry', 'productCode', 'productDescription', 'mrp',
] as const
export type JobGroupField = typeof JOB_GROUP_FIELDS[number]
/** A source of a report or order attribute: a job field, or the always-present production date. */
export type AttributeSource = JobGroupField | 'productionDate'

/** What a job looks like to the table (a JobInput is one). */
export type JobFacts = { group: string, productionDate?: string, unitsPerBox?: number } & { [K in JobGroupField]?: unknown }

const field = (job: JobFacts, f: AttributeSource): unknown => (job as Record<string, unknown>)[f]

/**
 * One field format, shared by every entry (config, HMI, L3, job store), with its label for messages.
 * `pattern` is the format the guide gives where it gives one.
 */
export interface FieldFormat { label: Bilingual, pattern?: RegExp, hint: Bilingual }
const dateFormat: Pick<FieldFormat, 'pattern' | 'hint'> = { pattern: /^\d{4}-\d{2}-\d{2}$/, hint: { ru: 'ГГГГ-ММ-ДД', en: 'yyyy-MM-dd' } }
export const JOB_FIELD_FORMATS: Record<JobGroupField, FieldFormat> = {
  expiryDate: { label: { ru: 'Годен до', en: 'Expiry date' }, ...dateFormat },
  // Table 122: "yyyy-MM-ddTHH:mm"
  expDate72: { label: { ru: 'Годен до (срок хранения менее 72 ч)', en: 'Expiry (shelf life under 72 h)' }, pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, hint: { ru: 'ГГГГ-ММ-ДДTЧЧ:ММ', en: 'yyyy-MM-ddTHH:mm' } },
  expDateConditions: { label: { ru: 'Сроки годности по условиям хранения', en: 'Expiry dates by storage condition' }, hint: { ru: '{ "индекс условия": "ГГГГ-ММ-ДД" }', en: '{ "condition index": "yyyy-MM-dd" }' } },
  participantId: { label: { ru: 'ИНН участника', en: 'Participant INN' }, pattern: /^(\d{10}|\d{12})$/, hint: { ru: '10 или 12 цифр', en: '10 or 12 digits' } },
  kpp: { label: { ru: 'КПП', en: 'KPP' }, pattern: /^\d{4}[\dA-Z]{2}\d{3}$/, hint: { ru: '9 знаков', en: '9 characters' } },
  fiasId: { label: { ru: 'Код ФИАС', en: 'FIAS id' }, pattern: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, hint: { ru: 'GUID', en: 'a GUID' } },
  // Table 126: ^([0-9]{1,2}|[0-9]{1,2}\.[0-9]{1})$
  alcoholVolume: { label: { ru: 'Содержание этилового спирта', en: 'Alcohol by volume' }, pattern: /^([0-9]{1,2}|[0-9]{1,2}\.[0-9])$/, hint: { ru: 'например 4.5', en: 'e.g. 4.5' } },
  documentNumber: { label: { ru: 'Номер первичного документа о производстве', en: 'Production document number' }, pattern: /^.{1,255}$/u, hint: { ru: '1–255 символов', en: '1–255 characters' } },
  documentDate: { label: { ru: 'Дата первичного документа', en: 'Production document date' }, ...dateFormat },
  productionLineId: { label: { ru: 'Идентификатор производственной линии', en: 'Production line id' }, pattern: /^.{1,256}$/u, hint: { ru: '1–256 символов', en: '1–256 characters' } },
  address: { label: { ru: 'Адрес списания', en: 'Dropout address' }, pattern: /^.{2,256}$/u, hint: { ru: '2–256 символов', en: '2–256 characters' } },
  factoryId: { label: { ru: 'Идентификатор производства (GLN)', en: 'Factory id (GLN)' }, pattern: /^.{2,128}$/u, hint: { ru: '2–128 символов', en: '2–128 characters' } },
  factoryCountry: { label: { ru: 'Страна производителя', en: 'Factory country' }, pattern: /^.{2,128}$/u, hint: { ru: '2–128 символов', en: '2–128 characters' } },
  productCode: { label: { ru: 'Код продукта (SKU)', en: 'Product code (SKU)' }, pattern: /^.{1,256}$/u, hint: { ru: '1–256 символов', en: '1–256 characters' } },
  productDescription: { label: { ru: 'Описание продукта', en: 'Product description' }, pattern: /^.{1,512}$/u, hint: { ru: '1–512 символов', en: '1–512 characters' } },
  // Table 11: kopecks, string(4-6)
  mrp: { label: { ru: 'МРЦ, коп.', en: 'Max retail price, kopecks' }, pattern: /^\d{4,6}$/, hint: { ru: '4–6 цифр (копейки)', en: '4–6 digits (kopecks)' } },
}

/**
 * A job must carry one of `anyOf` (all of them when each requirement names one field), `when` the condition holds:
 * `legal-entity` — the participant INN has 10 digits, `individual` — 12 (kpp is for legal entities, fiasId for
 * individuals: Tables 120, 126, 128, 130); `boxes` — the job aggregates (unitsPerBox > 0).
 */
export interface Requirement { anyOf: readonly JobGroupField[], when?: 'legal-entity' | 'individual' | 'boxes', source: string }

/** An attribute of a report or order body and the job field it comes from. */
export interface AttributeMap { attr: string, from: AttributeSource }

export interface GroupRule {
  /** The line's name of the group (code profile). */
  group: string
  /** The OMS / GIS MT productGroup (§5.3.1.16). */
  productGroup: string
  name: Bilingual
  /** Jobs of this group are refused, with the reason. */
  refused?: Bilingual & { source: string }
  order: {
    templateId: number
    /** cisTypes the template takes (Table 245) and the one the line orders. */
    cisTypes: readonly CisType[]
    cisType: CisType
    /** Serial length as emitted, and when the producer sends its own (Table 9). */
    serialLength: number
    selfMadeSerialLength: number
    /**
     * Order.attributes: `both` — releaseMethodType and createMethodType are mandatory; `release` — tobacco: Table 10
     * has no createMethodType and an optional releaseMethodType (IMPORT when imported).
     */
    methodTypes: 'both' | 'release'
    paymentType: boolean
    attributes: readonly AttributeMap[]
    productAttributes: readonly AttributeMap[]
    source: string
  }
  /** null: the OMS makes the utilisation report itself (§4.4.11 note 2). */
  utilisation: null | {
    attributes: readonly AttributeMap[]
    /** Attributes left out for group packs ("для групповых упаковок … не должны заполняться"). */
    unitOnly: readonly string[]
    /** Extra attributes by legal form: kpp for a legal entity, fiasId for an individual. */
    legalForm: boolean
    source: string
  }
  utilisationAutomatic?: string
  /** null: the OMS has no dropout for the group (§4.4.9 note 1). */
  dropout: null | { reasons: readonly DropoutReason[], attributes: readonly AttributeMap[], required?: readonly string[], fixed: Readonly<Record<string, unknown>>, source: string }
  aggregation: {
    /** The OMS takes aggregation reports for the group (§4.4.10 note 1); else only the True API document. */
    oms: boolean
    attributes: readonly AttributeMap[]
    /** `one`: a partly filled box goes with capacity = count = 1 (§4.4.10.1.2); `nominal`: capacity as packed. */
    partialBox: 'one' | 'nominal'
    source: string
  }
  /** null: no LP_INTRODUCE_GOODS for the group (TA §4.1.4.1). */
  introduction: null | {
    documentType: 'LP_INTRODUCE_GOODS'
    /** After aggregation list the aggregates; milk lists the aggregate and the units inside it. */
    lists: 'aggregates' | 'aggregate-and-units'
    /** certificate_document_data mandatory unless GIS MT holds it or the card sets reasonCertMissingDetails. */
    certificate: boolean
    source: string
  }
  /** What a job of this group must carry. */
  requires: readonly Requirement[]
  /** Rework of boxes and pallets GIS MT holds (docs/rework.md). */
  rework: {
    /**
     * How an accepted aggregation is undone: the True API DISAGGREGATION_DOCUMENT (TA §4.1.2.3, for the groups in its
     * list); null — neither API takes it from the line (the OMS has no disaggregation: §4.4.10, Table 111 allows
     * aggregationType AGGREGATION only).
     */
    disaggregation: null | { via: 'true-api', documentType: 'DISAGGREGATION_DOCUMENT', source: string }
    /** Dropout reasons (Table 244) samples for the lab or quality control go out with; empty: the group takes none. */
    sampleReasons: readonly DropoutReason[]
    source: string
  }
}

const ALL_BUT_EXCISE = DROPOUT_REASONS.filter(r => r !== 'OWN_USE_EXCISE')
const METHOD_TYPES = { methodTypes: 'both', attributes: [], productAttributes: [] } as const
const LEGAL_FORM: readonly Requirement[] = [
  { anyOf: ['kpp'], when: 'legal-entity', source: 'kpp: mandatory for a legal entity' },
  { anyOf: ['fiasId'], when: 'individual', source: 'fiasId: mandatory for an individual' },
]
const NO_OMS_AGGREGATION = { oms: false, attributes: [], partialBox: 'nominal', source: '§4.4.10 note 1: not in the list; aggregate with the True API AGGREGATION_DOCUMENT (TA §4.1.2.1)' } as const
const TA_DISAGGREGATION = { via: 'true-api', documentType: 'DISAGGREGATION_DOCUMENT', source: 'TA §4.1.2.3 (the group is in its list)' } as const
/** Table 244: the reasons that name samples taken out of production. */
export const SAMPLE_REASONS: readonly DropoutReason[] = ['QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES']
const NO_SAMPLES = 'no OMS dropout for the group (§4.4.9 note 1): samples cannot be reported from the line'
const INTRODUCED = (certificate: boolean, lists: 'aggregates' | 'aggregate-and-units' = 'aggregates') =>
  ({ documentType: 'LP_INTRODUCE_GOODS', lists, certificate, source: 'TA §4.1.4.1' }) as const

const tobacco = (group: 'tobacco-block' | 'tobacco-pack'): GroupRule => ({
  group,
  productGroup: 'tobacco',
  name: group === 'tobacco-block' ? { ru: 'Табачная продукция (блоки)', en: 'Tobacco (blocks)' } : { ru: 'Табачная продукция (пачки)', en: 'Tobacco (packs)' },
  order: {
    ...(group === 'tobacco-block'
      ? { templateId: 3, cisTypes: ['GROUP'], cisType: 'GROUP' }
      : { templateId: 4, cisTypes: ['UNIT'], cisType: 'UNIT' }),
    serialLength: 7,
    selfMadeSerialLength: 7,
    methodTypes: 'release',
    paymentType: false,
    attributes: [
      { attr: 'factoryId', from: 'factoryId' }, { attr: 'factoryCountry', from: 'factoryCountry' },
      { attr: 'productCode', from: 'productCode' }, { attr: 'productDescription', from: 'productDescription' },
    ],
    productAttributes: [{ attr: 'mrp', from: 'mrp' }],
    source: 'Tables 9, 10, 11, 239, 245 (template 3: GROUP only; 4: UNIT)',
  },
  utilisation: { attributes: [], unitOnly: [], legalForm: true, source: 'Table 120 (kpp / fiasId conditionally mandatory)' },
  dropout: {
    reasons: DROPOUT_REASONS,
    attributes: [{ attr: 'address', from: 'address' }, { attr: 'participantId', from: 'participantId' }, { attr: 'productionLineId', from: 'productionLineId' }],
    required: ['address', 'participantId'],
    // a unit has nothing nested; a box would need withChild: true
    fixed: { withChild: false },
    source: 'Table 103 (address, withChild, participantId mandatory); Table 244 note 2 (OWN_USE_EXCISE)',
  },
  aggregation: { oms: true, attributes: [{ attr: 'productionLineId', from: 'productionLineId' }], partialBox: 'nominal', source: 'Table 112 (productionLineId mandatory)' },
  introduction: null,
  rework: { disaggregation: null, sampleReasons: SAMPLE_REASONS, source: 'TA §4.1.2.3 does not list tobacco, and the OMS has no disaggregation (Table 111); samples: Table 244' },
  requires: [
    { anyOf: ['factoryId'], source: 'Table 10' }, { anyOf: ['factoryCountry'], source: 'Table 10' },
    { anyOf: ['productCode'], source: 'Table 10' }, { anyOf: ['productDescription'], source: 'Table 10' },
    { anyOf: ['mrp'], source: 'Table 11' },
    { anyOf: ['participantId'], source: 'Table 103' }, { anyOf: ['address'], source: 'Table 103' },
    { anyOf: ['productionLineId'], when: 'boxes', source: 'Table 112' },
    ...LEGAL_FORM.map(r => ({ ...r, source: `Table 120: ${r.source}` })),
  ],
})

/** The groups the line supports. */
export const GROUP_RULES: readonly GroupRule[] = [
  {
    group: 'milk',
    productGroup: 'milk',
    name: { ru: 'Молочная продукция', en: 'Dairy' },
    order: { templateId: 20, cisTypes: ['UNIT', 'GROUP', 'SET'], cisType: 'UNIT', serialLength: 6, selfMadeSerialLength: 5, paymentType: true, ...METHOD_TYPES, source: 'Tables 9, 20, 239, 245' },
    utilisation: {
      attributes: [{ attr: 'expDate', from: 'expiryDate' }, { attr: 'expDate72', from: 'expDate72' }, { attr: 'expDateConditions', from: 'expDateConditions' }, { attr: 'productionDate', from: 'productionDate' }],
      unitOnly: ['expDate', 'expDate72', 'expDateConditions', 'productionDate'],
      legalForm: false,
      source: 'Table 122 (note 1: one of expDate / expDate72 / expDateConditions for units; none for group packs)',
    },
    dropout: { reasons: ['DEFECT', 'QA_SAMPLES'], attributes: [], fixed: {}, source: '§4.4.9 note 1 (no attributes); Table 244 note 1 (DEFECT, QA_SAMPLES only)' },
    aggregation: { oms: true, attributes: [], partialBox: 'one', source: '§4.4.10.1.2 (a partly filled box: capacity = count = 1)' },
    introduction: INTRODUCED(true, 'aggregate-and-units'),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: ['QA_SAMPLES'], source: 'TA §4.1.2.3; Table 244 note 1 (DEFECT, QA_SAMPLES only)' },
    requires: [{ anyOf: ['expiryDate', 'expDate72', 'expDateConditions'], source: 'Table 122 note 1' }],
  },
  {
    group: 'water',
    productGroup: 'water',
    name: { ru: 'Упакованная вода', en: 'Packaged water' },
    order: { templateId: 16, cisTypes: ['UNIT', 'GROUP'], cisType: 'UNIT', serialLength: 13, selfMadeSerialLength: 12, paymentType: true, ...METHOD_TYPES, source: 'Tables 9, 27, 239, 245' },
    utilisation: {
      attributes: [{ attr: 'expirationDate', from: 'expiryDate' }, { attr: 'productionDate', from: 'productionDate' }],
      unitOnly: ['expirationDate', 'productionDate'],
      legalForm: false,
      source: 'Table 124 (note: expirationDate for units)',
    },
    dropout: { reasons: ALL_BUT_EXCISE, attributes: [], fixed: {}, source: '§4.4.9 note 1 (no attributes); Table 244' },
    aggregation: { oms: true, attributes: [], partialBox: 'nominal', source: '§4.4.10.1.4' },
    introduction: INTRODUCED(true),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: SAMPLE_REASONS, source: 'TA §4.1.2.3; Table 244' },
    requires: [{ anyOf: ['expiryDate'], source: 'Table 124 note' }],
  },
  {
    group: 'softdrinks',
    productGroup: 'softdrinks',
    name: { ru: 'Соковая продукция и безалкогольные напитки', en: 'Juices and soft drinks' },
    order: { templateId: 29, cisTypes: ['UNIT', 'GROUP', 'SET'], cisType: 'UNIT', serialLength: 13, selfMadeSerialLength: 12, paymentType: true, ...METHOD_TYPES, source: 'Tables 9, 40, 239, 245' },
    utilisation: {
      attributes: [{ attr: 'participantId', from: 'participantId' }, { attr: 'productionDate', from: 'productionDate' }, { attr: 'expirationDate', from: 'expiryDate' }],
      unitOnly: ['productionDate', 'expirationDate'],
      legalForm: true,
      source: 'Table 130 (participantId mandatory; kpp / fiasId; note 2: dates for units)',
    },
    dropout: null,
    aggregation: { oms: true, attributes: [], partialBox: 'nominal', source: '§4.4.10.1.10' },
    introduction: INTRODUCED(true),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: [], source: `TA §4.1.2.3; ${NO_SAMPLES}` },
    requires: [{ anyOf: ['participantId'], source: 'Table 130' }, { anyOf: ['expiryDate'], source: 'Table 130 note 2' }, ...LEGAL_FORM.map(r => ({ ...r, source: `Table 130: ${r.source}` }))],
  },
  {
    group: 'beer',
    productGroup: 'beer',
    name: { ru: 'Пиво и слабоалкогольные напитки', en: 'Beer and low-alcohol drinks' },
    order: { templateId: 18, cisTypes: ['UNIT', 'GROUP'], cisType: 'UNIT', serialLength: 7, selfMadeSerialLength: 6, paymentType: true, ...METHOD_TYPES, source: 'Tables 9, 28, 239, 245' },
    utilisation: {
      attributes: [
        { attr: 'participantId', from: 'participantId' }, { attr: 'productionDate', from: 'productionDate' }, { attr: 'expirationDate', from: 'expiryDate' },
        { attr: 'alcoholVolume', from: 'alcoholVolume' }, { attr: 'documentNumber', from: 'documentNumber' }, { attr: 'documentDate', from: 'documentDate' },
      ],
      unitOnly: ['productionDate', 'expirationDate'],
      legalForm: true,
      source: 'Table 126 (participantId mandatory; kpp / fiasId; note 2: dates for units; notes 4, 5: alcoholVolume, documentNumber, documentDate from 2025-05-01; note 3: within one calendar day of production)',
    },
    dropout: { reasons: ALL_BUT_EXCISE, attributes: [], fixed: {}, source: '§4.4.9 note 1 (no attributes); Table 244' },
    aggregation: { oms: true, attributes: [], partialBox: 'nominal', source: '§4.4.10.1.5' },
    // beer is not in the list of TA §4.1.4.1
    introduction: null,
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: SAMPLE_REASONS, source: 'TA §4.1.2.3; Table 244' },
    requires: [
      { anyOf: ['participantId'], source: 'Table 126' }, { anyOf: ['expiryDate'], source: 'Table 126 note 2' },
      { anyOf: ['alcoholVolume'], source: 'Table 126 note 4' }, { anyOf: ['documentNumber'], source: 'Table 126 note 5' }, { anyOf: ['documentDate'], source: 'Table 126 note 5' },
      ...LEGAL_FORM.map(r => ({ ...r, source: `Table 126: ${r.source}` })),
    ],
  },
  {
    group: 'nabeer',
    productGroup: 'nabeer',
    name: { ru: 'Безалкогольное пиво', en: 'Non-alcoholic beer' },
    order: { templateId: 28, cisTypes: ['UNIT', 'GROUP'], cisType: 'UNIT', serialLength: 7, selfMadeSerialLength: 6, paymentType: true, ...METHOD_TYPES, source: 'Tables 9, 38, 239, 245' },
    utilisation: {
      // Table 128 has no participantId: the legal form decides kpp or fiasId
      attributes: [{ attr: 'productionDate', from: 'productionDate' }, { attr: 'expirationDate', from: 'expiryDate' }],
      unitOnly: ['productionDate', 'expirationDate'],
      legalForm: true,
      source: 'Table 128 (kpp / fiasId; note 2: dates for units)',
    },
    dropout: null,
    aggregation: NO_OMS_AGGREGATION,
    introduction: INTRODUCED(true),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: [], source: `TA §4.1.2.3; ${NO_SAMPLES}` },
    requires: [{ anyOf: ['expiryDate'], source: 'Table 128 note 2' }, { anyOf: ['kpp', 'fiasId'], source: 'Table 128 (kpp for a legal entity, fiasId for an individual)' }],
  },
  tobacco('tobacco-block'),
  tobacco('tobacco-pack'),
  {
    group: 'lp',
    productGroup: 'lp',
    name: { ru: 'Предметы одежды, бельё', en: 'Clothing and linen' },
    order: { templateId: 10, cisTypes: ['UNIT', 'BUNDLE', 'SET'], cisType: 'UNIT', serialLength: 13, selfMadeSerialLength: 12, paymentType: false, ...METHOD_TYPES, source: 'Tables 9, 12, 239, 245' },
    utilisation: null,
    utilisationAutomatic: '§4.4.11 note 2',
    dropout: null,
    aggregation: NO_OMS_AGGREGATION,
    introduction: INTRODUCED(true),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: [], source: `TA §4.1.2.3; ${NO_SAMPLES}` },
    requires: [],
  },
  {
    group: 'shoes',
    productGroup: 'shoes',
    name: { ru: 'Обувные товары', en: 'Footwear' },
    order: { templateId: 1, cisTypes: ['UNIT'], cisType: 'UNIT', serialLength: 13, selfMadeSerialLength: 12, paymentType: false, ...METHOD_TYPES, source: 'Tables 9, 14, 239, 245' },
    utilisation: null,
    utilisationAutomatic: '§4.4.11 note 2',
    dropout: null,
    aggregation: NO_OMS_AGGREGATION,
    introduction: INTRODUCED(true),
    rework: { disaggregation: TA_DISAGGREGATION, sampleReasons: [], source: `TA §4.1.2.3; ${NO_SAMPLES}` },
    requires: [],
  },
  {
    group: 'pharma',
    productGroup: 'pharma',
    name: { ru: 'Лекарственные препараты', en: 'Medicines' },
    refused: {
      ru: 'лекарственные препараты: после эмиссии всё идёт через МДЛП (токен МДЛП, отчёты в МДЛП), а не через ГИС МТ — эта линия такие задания не выполняет',
      en: 'medicines: everything after emission goes through MDLP (an MDLP token, reports to MDLP), not GIS MT — this line does not run such jobs',
      source: 'Tables 100, 108 (Authorization: token, no X-Signature, pharma only); §4.4.11.1.2',
    },
    order: { templateId: 5, cisTypes: ['UNIT'], cisType: 'UNIT', serialLength: 13, selfMadeSerialLength: 13, methodTypes: 'both', paymentType: false, attributes: [], productAttributes: [], source: 'Tables 9, 239, 245' },
    utilisation: null,
    dropout: null,
    aggregation: NO_OMS_AGGREGATION,
    introduction: null,
    rework: { disaggregation: null, sampleReasons: [], source: 'refused group' },
    requires: [],
  },
]

const BY_GROUP = new Map(GROUP_RULES.map(r => [r.group, r]))

/** The rule of a line group, or undefined for a group the line does not know. */
export function groupRule (group: string): GroupRule | undefined {
  return BY_GROUP.get(group)
}

/** Line groups of the table, refused ones included. */
export function groupNames (): string[] {
  return GROUP_RULES.map(r => r.group)
}

/** The OMS productGroup of a line group (tobacco blocks and packs are both "tobacco"). */
export function productGroupOf (group: string): string {
  return groupRule(group)?.productGroup ?? group
}

/** A missing or malformed job field, and why the job needs it. */
export interface JobProblem { field: string, message: Bilingual }

const present = (job: JobFacts, f: JobGroupField): boolean => {
  const v = field(job, f)
  if (v === undefined || v === null || v === '') return false
  return typeof v !== 'object' || Object.keys(v).length > 0
}

/** Legal form from the participant INN: 10 digits for an organisation, 12 for an individual (entrepreneur). */
export function legalForm (participantId: unknown): 'legal-entity' | 'individual' | null {
  if (typeof participantId !== 'string') return null
  return /^\d{10}$/.test(participantId) ? 'legal-entity' : /^\d{12}$/.test(participantId) ? 'individual' : null
}

/**
 * Everything the table asks of a job, as problems with Russian and English text naming the field. Checks: the group
 * is known and not refused, the group's mandatory attributes are there, and the fields present have their format.
 */
export function checkJobForGroup (job: JobFacts): JobProblem[] {
  const rule = groupRule(job.group)
  if (rule === undefined) {
    return [{ field: 'group', message: { ru: `неизвестная товарная группа «${job.group}»; известны: ${groupNames().join(', ')}`, en: `unknown product group "${job.group}"; known: ${groupNames().join(', ')}` } }]
  }
  if (rule.refused !== undefined) return [{ field: 'group', message: { ru: rule.refused.ru, en: rule.refused.en } }]
  const problems: JobProblem[] = []
  for (const f of JOB_GROUP_FIELDS) {
    const v = field(job, f)
    if (v === undefined || v === null || v === '') continue
    const fmt = JOB_FIELD_FORMATS[f]
    const bad = f === 'expDateConditions'
      ? typeof v !== 'object' || Object.keys(v).length === 0 || Object.entries(v as Record<string, unknown>).some(([k, d]) => !/^\d+$/.test(k) || typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d))
      : typeof v !== 'string' || (fmt.pattern !== undefined && !fmt.pattern.test(v))
    if (bad) problems.push({ field: f, message: { ru: `${fmt.label.ru}: формат ${fmt.hint.ru}`, en: `${fmt.label.en}: format ${fmt.hint.en}` } })
  }
  const form = legalForm(job.participantId)
  for (const r of rule.requires) {
    if (r.when === 'boxes' && !((job.unitsPerBox ?? 0) > 0)) continue
    if ((r.when === 'legal-entity' || r.when === 'individual') && form !== r.when) continue
    if (r.anyOf.some(f => present(job, f))) continue
    const names = r.anyOf.map(f => JOB_FIELD_FORMATS[f].label)
    const first = r.anyOf[0] as string
    const ru = names.length === 1 ? `${(names[0] as Bilingual).ru}: обязательно для группы ${rule.group}` : `укажите одно из: ${names.map(n => n.ru).join(' / ')} (группа ${rule.group})`
    const en = names.length === 1 ? `${(names[0] as Bilingual).en}: required for ${rule.group}` : `give one of: ${names.map(n => n.en).join(' / ')} (${rule.group})`
    problems.push({ field: first, message: { ru: `${ru} (${r.source})`, en: `${en} (${r.source})` } })
  }
  return problems
}

/** Attributes from a job by a map; fields the job lacks are left out. */
function pick (job: JobFacts, map: readonly AttributeMap[], leaveOut: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const { attr, from } of map) {
    if (leaveOut.includes(attr)) continue
    const v = field(job, from)
    if (v !== undefined && v !== null && v !== '') out[attr] = v
  }
  return out
}

/** kpp for a legal entity, fiasId for an individual (the guide: "для физического лица заполнение игнорируется"). */
function legalFormAttributes (job: JobFacts): Record<string, unknown> {
  const form = legalForm(job.participantId)
  if (form === 'legal-entity' || (form === null && typeof job.kpp === 'string' && job.kpp !== '')) return typeof job.kpp === 'string' && job.kpp !== '' ? { kpp: job.kpp } : {}
  return typeof job.fiasId === 'string' && job.fiasId !== '' ? { fiasId: job.fiasId } : {}
}

/** The utilisation report's attributes for a job's codes; null when the group has no utilisation report. */
export function utilisationAttributesOf (job: JobFacts, cisType: CisType = 'UNIT'): Record<string, unknown> | null {
  const u = groupRule(job.group)?.utilisation
  if (u === undefined || u === null) return null
  return { ...pick(job, u.attributes, cisType === 'UNIT' ? [] : u.unitOnly), ...(u.legalForm ? legalFormAttributes(job) : {}) }
}

/**
 * The dropout report's attributes for a job's codes; null when the OMS has no dropout for the group, or the job
 * lacks an attribute the OMS requires (tobacco: address, participantId — a report without them would be refused).
 */
export function dropoutAttributesOf (job: JobFacts): Record<string, unknown> | null {
  const d = groupRule(job.group)?.dropout
  if (d === undefined || d === null) return null
  const a = pick(job, d.attributes)
  if ((d.required ?? []).some(k => a[k] === undefined)) return null
  return { ...a, ...d.fixed }
}

/** The OMS aggregation report's attributes; null when the OMS takes no aggregation for the group. */
export function aggregationAttributesOf (job: JobFacts): Record<string, unknown> | null {
  const a = groupRule(job.group)?.aggregation
  if (a === undefined || !a.oms) return null
  return pick(job, a.attributes)
}

/** The controller's defect reason as an OMS dropout reason the group accepts (Table 244); DEFECT otherwise. */
export function dropoutReasonFor (group: string, reason: string | null): DropoutReason {
  const allowed = groupRule(group)?.dropout?.reasons ?? ['DEFECT']
  return (DROPOUT_REASONS as readonly string[]).includes(reason ?? '') && allowed.includes(reason as DropoutReason) ? reason as DropoutReason : 'DEFECT'
}

/** How the group's accepted aggregates are undone (docs/rework.md); null when neither API takes it from the line. */
export function disaggregationOf (group: string): GroupRule['rework']['disaggregation'] {
  return groupRule(group)?.rework.disaggregation ?? null
}

/** The dropout reasons samples of the group go out with (Table 244, within the group's dropout reasons). */
export function sampleReasonsOf (group: string): readonly DropoutReason[] {
  const r = groupRule(group)
  if (r === undefined || r.dropout === null) return []
  const allowed = r.dropout.reasons
  return r.rework.sampleReasons.filter(x => allowed.includes(x))
}

/** aggregationUnitCapacity and aggregatedItemsCount of a box of `count` units packed `capacity` to a box. */
export function boxCounts (group: string, capacity: number, count: number): { aggregationUnitCapacity: number, aggregatedItemsCount: number } {
  const cap = capacity > 0 ? capacity : count
  // §4.4.10.1.2: "В случае частичного заполнения агрегата … необходимо передавать значение 1"
  if (groupRule(group)?.aggregation.partialBox === 'one' && count < cap) return { aggregationUnitCapacity: 1, aggregatedItemsCount: 1 }
  return { aggregationUnitCapacity: cap, aggregatedItemsCount: count }
}

/** The order's attributes and product attributes for a job (Tables 10, 11 for tobacco; method types elsewhere). */
export function orderFieldsOf (job: JobFacts, line: { releaseMethodType: string, createMethodType: string }): { attributes: Record<string, unknown>, productAttributes: Record<string, unknown>, templateId: number, cisType: CisType } | null {
  const rule = groupRule(job.group)
  if (rule === undefined) return null
  const o = rule.order
  return {
    templateId: o.templateId,
    cisType: o.cisType,
    attributes: { releaseMethodType: line.releaseMethodType, ...(o.methodTypes === 'both' ? { createMethodType: line.createMethodType } : {}), ...pick(job, o.attributes) },
    productAttributes: pick(job, o.productAttributes),
  }
}
