// What the L3 feed may show of a marking code: its identity (GTIN and serial), not its verification key and crypto
// tail. Anyone subscribed to the PUB feed could otherwise print valid codes; the full codes go out only when the
// config asks for them (`l3.fullCodes`).

const GS = '\u001d'
/** Tobacco packs carry no AIs: GTIN (14) + serial (7) + max retail price (4) + crypto (4) (DESIGN §3). */
const TOBACCO_PACK_LENGTH = 29

/** A code without its crypto part: everything before the first GS, or a tobacco pack's first 21 characters. */
export function codeIdentity (code: string): string {
  const gs = code.indexOf(GS)
  if (gs >= 0) return code.slice(0, gs)
  if (code.length === TOBACCO_PACK_LENGTH && /^\d{14}/.test(code)) return code.slice(0, 21)
  return code
}

/** The event with `code` and `codes` cut to identities; other fields untouched. */
export function redactCodes (data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data
  const o = data as Record<string, unknown>
  if (typeof o.code !== 'string' && !Array.isArray(o.codes)) return data
  const out: Record<string, unknown> = { ...o }
  if (typeof o.code === 'string') out.code = codeIdentity(o.code)
  if (Array.isArray(o.codes)) out.codes = o.codes.map(c => typeof c === 'string' ? codeIdentity(c) : c)
  return out
}
