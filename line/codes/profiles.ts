// Per-product-group layouts of marking codes (DESIGN §3), as data: parsing and building read these tables.

import { ProfileError } from './errors.ts'

/** How one application identifier is encoded. `predefined` AIs (GS1 GenSpecs §7.8.5) need no GS after them. */
export interface AiSpec {
  /** AI digits; `335Y` matches 3350–3359. */
  ai: string
  length: number
  charset: 'digits' | 'ai82'
  predefined: boolean
  /** A value the element must have, e.g. AI 8005 `000000` on tobacco blocks. */
  fixedValue?: string
  role: 'gtin' | 'serial' | 'crypto' | 'attribute'
}

export interface ElementSpec extends AiSpec {
  optional: boolean
}

export interface GroupProfile {
  group: string
  templateId: number
  layout: 'gs1' | 'tobacco-pack'
  /** Serial length as printed (OMS-generated). */
  serialLength: number
  /** Serial length when the producer sends its own serials: the OMS prepends "5". */
  selfMadeSerialLength?: number
  /** GS1 layouts: elements in the order they stand in the code. */
  elements: ElementSpec[]
  /** OMS utilisation attributes a unit report needs for this group (used by reports). */
  expiryAttribute?: 'expDate' | 'expirationDate'
}

const gtin: ElementSpec = { ai: '01', length: 14, charset: 'digits', predefined: true, role: 'gtin', optional: false }
const serial = (length: number): ElementSpec => ({ ai: '21', length, charset: 'ai82', predefined: false, role: 'serial', optional: false })
const crypto = (ai: '91' | '92' | '93', length: number): ElementSpec => ({ ai, length, charset: 'ai82', predefined: false, role: 'crypto', optional: false })

/** Attribute AIs a group may print after the crypto part (all optional). */
export const ATTRIBUTE_AIS: Record<string, AiSpec> = {
  3103: { ai: '3103', length: 6, charset: 'digits', predefined: true, role: 'attribute' },
  '335Y': { ai: '335Y', length: 6, charset: 'digits', predefined: true, role: 'attribute' },
  17: { ai: '17', length: 6, charset: 'digits', predefined: true, role: 'attribute' },
  7003: { ai: '7003', length: 10, charset: 'digits', predefined: false, role: 'attribute' },
}
const optionalAttr = (ai: string): ElementSpec => ({ ...(ATTRIBUTE_AIS[ai] as AiSpec), optional: true })

/** Built-in profiles from the OMS programmer's guide (DESIGN §3 table). */
export const BUILTIN_PROFILES: readonly GroupProfile[] = [
  { group: 'milk', templateId: 20, layout: 'gs1', serialLength: 6, selfMadeSerialLength: 5, elements: [gtin, serial(6), crypto('93', 4), optionalAttr('3103')], expiryAttribute: 'expDate' },
  { group: 'water', templateId: 16, layout: 'gs1', serialLength: 13, selfMadeSerialLength: 12, elements: [gtin, serial(13), crypto('93', 4)], expiryAttribute: 'expirationDate' },
  { group: 'softdrinks', templateId: 29, layout: 'gs1', serialLength: 13, selfMadeSerialLength: 12, elements: [gtin, serial(13), crypto('93', 4)], expiryAttribute: 'expirationDate' },
  { group: 'beer', templateId: 18, layout: 'gs1', serialLength: 7, selfMadeSerialLength: 6, elements: [gtin, serial(7), crypto('93', 4), optionalAttr('335Y')], expiryAttribute: 'expirationDate' },
  { group: 'nabeer', templateId: 28, layout: 'gs1', serialLength: 7, selfMadeSerialLength: 6, elements: [gtin, serial(7), crypto('93', 4), optionalAttr('335Y')], expiryAttribute: 'expirationDate' },
  { group: 'lp', templateId: 10, layout: 'gs1', serialLength: 13, elements: [gtin, serial(13), crypto('91', 4), crypto('92', 44)] },
  { group: 'pharma', templateId: 5, layout: 'gs1', serialLength: 13, elements: [gtin, serial(13), crypto('91', 4), crypto('92', 44)] },
  { group: 'shoes', templateId: 1, layout: 'gs1', serialLength: 13, selfMadeSerialLength: 12, elements: [gtin, serial(13), crypto('91', 4), crypto('92', 88)] },
  {
    group: 'tobacco-block',
    templateId: 3,
    layout: 'gs1',
    serialLength: 7,
    elements: [gtin, serial(7), { ai: '8005', length: 6, charset: 'digits', predefined: false, role: 'attribute', fixedValue: '000000', optional: false }, crypto('93', 4)],
  },
  // Not GS1: GTIN(14) + serial(7) + max retail price(4) + crypto(4), no AIs.
  { group: 'tobacco-pack', templateId: 4, layout: 'tobacco-pack', serialLength: 7, elements: [] },
]

/** Profiles by group name; config may add optional attribute AIs (e.g. `17` where a group prints expiry). */
export class ProfileRegistry {
  readonly #byGroup = new Map<string, GroupProfile>()

  constructor (profiles: readonly GroupProfile[] = BUILTIN_PROFILES) {
    for (const p of profiles) this.#byGroup.set(p.group, p)
  }

  get (group: string): GroupProfile {
    const p = this.#byGroup.get(group)
    if (p === undefined) throw new ProfileError(`unknown product group "${group}"`, { group, known: [...this.#byGroup.keys()] })
    return p
  }

  has (group: string): boolean { return this.#byGroup.has(group) }

  groups (): string[] { return [...this.#byGroup.keys()] }

  /** A copy of `group`'s profile with extra optional attribute AIs appended. */
  withOptionalAis (group: string, ais: readonly string[]): GroupProfile {
    const base = this.get(group)
    const extra = ais.map(ai => {
      if (ATTRIBUTE_AIS[ai] === undefined) throw new ProfileError(`AI ${ai} is not a supported attribute AI`, { group, ai, supported: Object.keys(ATTRIBUTE_AIS) })
      return optionalAttr(ai)
    })
    const p: GroupProfile = { ...base, elements: [...base.elements, ...extra] }
    this.#byGroup.set(group, p)
    return p
  }
}
