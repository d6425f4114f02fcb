// Builders of True API document bodies in the formats of domain/true-api.md, checked before anything is signed.
import { TrueApiDocumentError } from './errors.ts'

export const MAX_CODES_PER_DOCUMENT = 30_000

export type DocumentType = 'AGGREGATION_DOCUMENT' | 'DISAGGREGATION_DOCUMENT' | 'REAGGREGATION_DOCUMENT' | 'LP_INTRODUCE_GOODS'

export interface AggregationUnitInput {
  /** 18-digit SSCC, `00`+SSCC, or an 18–74-character group code. */
  unit: string
  /** Codes inside, without crypto part. */
  codes: readonly string[]
}

export interface AggregationDocument {
  participantId: string
  aggregationUnits: Array<{ unitSerialNumber: string, aggregationType: 'AGGREGATION', sntins: string[] }>
}

/** `00`+SSCC with no brackets (DESIGN §3); other unit codes pass through unchanged. */
export function unitSerialNumber (unit: string): string {
  const u = unit.replace(/[()]/g, '')
  return /^\d{18}$/.test(u) ? `00${u}` : u
}

export function aggregationDocument (participantId: string, units: readonly AggregationUnitInput[]): AggregationDocument {
  if (!/^\d{10}(\d{2})?$/.test(participantId)) throw new TrueApiDocumentError('participantId must be a 10- or 12-digit INN', { participantId })
  if (units.length === 0) throw new TrueApiDocumentError('an aggregation document needs at least one unit', {})
  let total = 0
  let length: number | undefined
  const out: AggregationDocument['aggregationUnits'] = []
  for (const u of units) {
    const usn = unitSerialNumber(u.unit)
    if (usn.length < 18 || usn.length > 74) throw new TrueApiDocumentError('unit serial number must be 18–74 characters', { unit: u.unit })
    if (u.codes.length === 0) throw new TrueApiDocumentError('an aggregation unit must contain codes', { unit: usn })
    for (const c of u.codes) {
      // "all units in one document have codes of the same length" (domain/true-api.md)
      length ??= c.length
      if (c.length !== length) throw new TrueApiDocumentError('all codes of one aggregation document must have the same length', { unit: usn, code: c, expected: length })
    }
    total += u.codes.length
    out.push({ unitSerialNumber: usn, aggregationType: 'AGGREGATION', sntins: [...u.codes] })
  }
  if (total > MAX_CODES_PER_DOCUMENT) throw new TrueApiDocumentError(`a document holds at most ${MAX_CODES_PER_DOCUMENT} codes`, { codes: total })
  return { participantId, aggregationUnits: out }
}

/**
 * «Расформирование упаковки» (DISAGGREGATION_DOCUMENT, JSON MANUAL), True API v553 §4.1.2.3: the participant and the
 * aggregates to disaggregate, `products_list[].uitu` (packing types BOX «КИТУ», SET «КИН», GROUP «КИГУ»). The units
 * are listed in the order given: a pallet before the boxes it held (docs/rework.md).
 */
export interface DisaggregationDocument {
  participant_inn: string
  products_list: Array<{ uitu: string }>
}

export function disaggregationDocument (participantInn: string, units: readonly string[]): DisaggregationDocument {
  if (!/^\d{10}(\d{2})?$/.test(participantInn)) throw new TrueApiDocumentError('participant_inn must be a 10- or 12-digit INN', { participantInn })
  if (units.length === 0) throw new TrueApiDocumentError('a disaggregation document needs at least one aggregate', {})
  const list = units.map(unitSerialNumber)
  for (const u of list) if (u.length < 18 || u.length > 74) throw new TrueApiDocumentError('an aggregate code must be 18–74 characters', { uitu: u })
  if (new Set(list).size !== list.length) throw new TrueApiDocumentError('an aggregate is listed twice', { units: list })
  if (list.length > MAX_CODES_PER_DOCUMENT) throw new TrueApiDocumentError(`a document holds at most ${MAX_CODES_PER_DOCUMENT} codes`, { codes: list.length })
  return { participant_inn: participantInn, products_list: list.map(uitu => ({ uitu })) }
}

export interface IntroduceGoodsInput {
  participantInn: string
  producerInn?: string
  ownerInn?: string
  /** yyyy-MM-dd */
  productionDate: string
  tnvedCode: string
  /** Unit codes (uit_code) or aggregates (uitu_code): after aggregation list the aggregates (domain/true-api.md). */
  uitCodes?: readonly string[]
  uituCodes?: readonly string[]
  /**
   * Milk (TA §4.1.4.1, `uitu_code`: "для товарной группы «Молочная продукция» указывается КИ агрегата и КИ
   * вложений"): each aggregate as uitu_code followed by the unit codes inside it as uit_code.
   */
  aggregatesWithUnits?: ReadonlyArray<{ aggregate: string, units: readonly string[] }>
  vsdNumber?: string
  /** The permit (TA §4.1.4.1 `certificate_document_data`), given on every entry. */
  certificate?: PermitDocument
}

/** TA §4.1.4.1 and its directory «Виды разрешительной документации». */
export const PERMIT_TYPES = ['CONFORMITY_CERTIFICATE', 'CONFORMITY_DECLARATION', 'STATE_REGISTRATION_CERTIFICATE'] as const
export interface PermitDocument {
  type: typeof PERMIT_TYPES[number]
  number: string
  /** yyyy-MM-dd */
  date: string
}

interface CertificateData { certificate_type: string, certificate_number: string, certificate_date: string }

export interface IntroduceGoodsDocument {
  participant_inn: string
  producer_inn: string
  owner_inn: string
  production_date: string
  production_type: 'OWN_PRODUCTION'
  products: Array<{ uit_code?: string, uitu_code?: string, tnved_code: string, vsd_number?: string, certificate_document_data?: CertificateData[] }>
}

export function introduceGoodsDocument (input: IntroduceGoodsInput): IntroduceGoodsDocument {
  for (const [k, v] of [['participantInn', input.participantInn], ['producerInn', input.producerInn], ['ownerInn', input.ownerInn]] as const) {
    if (v !== undefined && !/^\d{10}(\d{2})?$/.test(v)) throw new TrueApiDocumentError(`${k} must be a 10- or 12-digit INN`, { [k]: v })
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.productionDate)) throw new TrueApiDocumentError('productionDate must be yyyy-MM-dd', { productionDate: input.productionDate })
  if (!/^\d{4,10}$/.test(input.tnvedCode)) throw new TrueApiDocumentError('tnvedCode must be 4–10 digits', { tnvedCode: input.tnvedCode })
  const cert = input.certificate
  if (cert !== undefined) {
    if (!(PERMIT_TYPES as readonly string[]).includes(cert.type)) throw new TrueApiDocumentError(`certificate type must be one of ${PERMIT_TYPES.join(', ')}`, { type: cert.type })
    if (cert.number.trim() === '' || cert.number.length > 255) throw new TrueApiDocumentError('certificate number must be 1–255 characters', { number: cert.number })
    if (!/^\d{4}-\d{2}-\d{2}$/.test(cert.date)) throw new TrueApiDocumentError('certificate date must be yyyy-MM-dd', { date: cert.date })
  }
  const extra = {
    ...(input.vsdNumber === undefined ? {} : { vsd_number: input.vsdNumber }),
    ...(cert === undefined ? {} : { certificate_document_data: [{ certificate_type: cert.type, certificate_number: cert.number, certificate_date: cert.date }] }),
  }
  const products: IntroduceGoodsDocument['products'] = [
    ...(input.uitCodes ?? []).map(c => ({ uit_code: c, tnved_code: input.tnvedCode, ...extra })),
    ...(input.uituCodes ?? []).map(c => ({ uitu_code: unitSerialNumber(c), tnved_code: input.tnvedCode, ...extra })),
    ...(input.aggregatesWithUnits ?? []).flatMap(a => {
      if (a.units.length === 0) throw new TrueApiDocumentError('an aggregate is introduced with the units inside it', { aggregate: a.aggregate })
      return [{ uitu_code: unitSerialNumber(a.aggregate), tnved_code: input.tnvedCode, ...extra }, ...a.units.map(u => ({ uit_code: u, tnved_code: input.tnvedCode, ...extra }))]
    }),
  ]
  if (products.length === 0) throw new TrueApiDocumentError('an introduction document needs products', {})
  if (products.length > MAX_CODES_PER_DOCUMENT) throw new TrueApiDocumentError(`a document holds at most ${MAX_CODES_PER_DOCUMENT} codes`, { codes: products.length })
  return {
    participant_inn: input.participantInn,
    producer_inn: input.producerInn ?? input.participantInn,
    owner_inn: input.ownerInn ?? input.participantInn,
    production_date: input.productionDate,
    production_type: 'OWN_PRODUCTION',
    products,
  }
}
