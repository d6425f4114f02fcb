import t from 'tap'
import fc from 'fast-check'
import {
  AI82, BUILTIN_PROFILES, CodeFormatError, GS, ProfileError, ProfileRegistry, buildCode, buildSscc, checkGtin14,
  gs1CheckDigit, parseCode, parseHri, parseSscc, toHri, withCheckDigit,
} from '../../line/codes/index.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'

const profiles = new ProfileRegistry()
const milk = profiles.get('milk')
const water = profiles.get('water')
const GTIN = withCheckDigit('0460165303004')

t.test('GS1 check digits of published examples', async t => {
  // GS1 General Specifications examples
  t.equal(gs1CheckDigit('0400638133393'), 1, 'EAN-13 4006381333931')
  t.equal(gs1CheckDigit('00614141123456789'), 0, 'SSCC example 0 0614141 123456789 0')
  t.equal(GTIN, '04601653030046')
  checkGtin14('04601653030046')
  t.throws(() => checkGtin14('04601653030047'), { code: 'LC_ERR_CODE_FORMAT', position: 13 })
  t.throws(() => checkGtin14('0460165303004'), { code: 'LC_ERR_CODE_FORMAT' })
  t.throws(() => checkGtin14('0460165303004a'), { code: 'LC_ERR_CODE_FORMAT', position: 13 })
})

t.test('the OMS example code parses as milk-like layout', async t => {
  // from the OMS guide: 010460165303004621=rxDV3M<GS>93VXQI (serial of 6 chars, check of 4)
  const c = parseCode(milk, `0104601653030046` + `21=rxDV3` + GS + '93VXQI')
  t.equal(c.gtin, '04601653030046')
  t.equal(c.serial, '=rxDV3')
  t.same(c.crypto, { 93: 'VXQI' })
  t.equal(c.identity, '010460165303004621=rxDV3')
  t.equal(toHri(c, milk), '(01)04601653030046(21)=rxDV3(93)VXQI')
})

t.test('milk with optional weight 3103', async t => {
  const raw = `01${GTIN}21abc(!)${GS}93ABCD${GS}3103001250`
  const c = parseCode(milk, raw)
  t.same(c.attributes, { 3103: '001250' })
  t.equal(c.raw, raw)
  t.equal(toHri(c, milk), `(01)${GTIN}(21)abc(!)(93)ABCD(3103)001250`)
  t.equal(parseHri(milk, toHri(c, milk)).raw, raw, 'brackets inside the serial do not confuse the HRI parser')
})

t.test('beer volume 335Y matches any decimal position', async t => {
  const beer = profiles.get('beer')
  const c = parseCode(beer, `01${GTIN}21abcdefg${GS}93ABCD${GS}3352000500`)
  t.same(c.attributes, { 3352: '000500' })
  t.equal(parseHri(beer, toHri(c, beer)).raw, c.raw)
})

t.test('tobacco block needs 8005 000000 between serial and check', async t => {
  const block = profiles.get('tobacco-block')
  const ok = `01${GTIN}21abcdefg${GS}8005000000${GS}93ABCD`
  t.equal(parseCode(block, ok).raw, ok)
  t.throws(() => parseCode(block, `01${GTIN}21abcdefg${GS}8005000001${GS}93ABCD`), { code: 'LC_ERR_CODE_FORMAT', position: 30 })
})

t.test('tobacco pack: 29 characters, no AIs', async t => {
  const pack = profiles.get('tobacco-pack')
  const raw = `${GTIN}abcdefg` + 'MRP1' + 'CRYP'
  const c = parseCode(pack, raw)
  t.equal(c.serial, 'abcdefg')
  t.same(c.attributes, { mrp: 'MRP1' })
  t.equal(c.identity, `${GTIN}abcdefg`)
  t.throws(() => parseCode(pack, raw.slice(0, 28)), { code: 'LC_ERR_CODE_FORMAT', position: 28 })
})

t.test('rejections say what and where', async t => {
  const good = `01${GTIN}21abcdefghijklm${GS}93ABCD`
  t.equal(parseCode(water, good).serial, 'abcdefghijklm')
  const cases: Array<[string, number, RegExp]> = [
    [`02${GTIN}21abcdefghijklm${GS}93ABCD`, 0, /expected AI \(01\)/],
    [`01${GTIN.slice(0, 13)}5` + `21abcdefghijklm${GS}93ABCD`, 15, /check digit/],
    [`01${GTIN}21abcdefghijkl${GS}93ABCD`, 30, /13 characters, found 12/],
    [`01${GTIN}21abcdefghij~lm${GS}93ABCD`, 28, /set 82/],
    [`01${GTIN}21abcdefghijklm${GS}93ABC`, 37, /4 characters, found 3/],
    [`01${GTIN}21abcdefghijklm${GS}94ABCD`, 32, /expected AI \(93\)/],
    [`01${GTIN}21abcdefghijklm${GS}93ABCD${GS}`, 38, /ends with a group separator/],
    [`01${GTIN}21abcdefghijklm${GS}93ABCDE`, 38, /4 characters, found 5/],
    [`01${GTIN}21abcdefghijklm93ABCD`, 31, /13 characters, found 19/],
    ['', 0, /ends before AI \(01\)/],
  ]
  for (const [input, position, message] of cases) {
    const err = t.throws(() => parseCode(water, input)) as unknown
    t.ok(err instanceof CodeFormatError, `typed error for ${JSON.stringify(input)}`)
    t.equal((err as CodeFormatError).position, position, `position for ${JSON.stringify(input)}`)
    t.match((err as Error).message, message)
    t.equal((err as CodeFormatError).code, 'LC_ERR_CODE_FORMAT')
  }
})

t.test('unknown group is a ProfileError', async t => {
  t.throws(() => profiles.get('caviar'), ProfileError)
  const reg = new ProfileRegistry()
  const w = reg.withOptionalAis('water', ['17'])
  const raw = `01${GTIN}21abcdefghijklm${GS}93ABCD${GS}17271231`
  t.same(parseCode(w, raw).attributes, { 17: '271231' })
  t.throws(() => reg.withOptionalAis('water', ['99']), ProfileError)
})

t.test('round trip for every built-in profile (property)', async t => {
  for (const profile of BUILTIN_PROFILES) {
    const charsOf = (n: number) => fc.array(fc.constantFrom(...AI82), { minLength: n, maxLength: n }).map(a => a.join(''))
    const gtinArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }).map(d => withCheckDigit(d.join('')))
    fc.assert(fc.property(gtinArb, charsOf(profile.serialLength), charsOf(88), (gtin, serial, pool) => {
      const crypto: Record<string, string> = {}
      const attributes: Record<string, string> = {}
      let off = 0
      for (const e of profile.elements) {
        if (e.role === 'crypto') { crypto[e.ai] = pool.slice(0, e.length).padEnd(e.length, 'x'); off += e.length }
        if (e.role === 'attribute' && !e.optional) attributes[e.ai] = e.fixedValue ?? '0'.repeat(e.length)
      }
      if (profile.layout === 'tobacco-pack') { crypto.crypto = pool.slice(0, 4); attributes.mrp = pool.slice(4, 8) }
      const c = buildCode(profile, { gtin, serial, crypto, attributes })
      const again = parseCode(profile, c.raw)
      if (again.raw !== c.raw || again.serial !== serial || again.gtin !== gtin) return false
      return parseHri(profile, toHri(c, profile)).raw === c.raw
    }), { numRuns: 200 })
    t.pass(`${profile.group} round-trips`)
  }
})

t.test('fuzz: random input never throws anything but CodeFormatError (property)', async t => {
  const alphabet = fc.constantFrom(...(AI82 + GS + '0123456789()\u0000\u00e9~'))
  const arb = fc.oneof(
    fc.string(),
    fc.array(alphabet, { maxLength: 120 }).map(a => a.join('')),
    fc.array(alphabet, { maxLength: 40 }).map(a => `01${GTIN}21${a.join('')}`),
  )
  for (const profile of BUILTIN_PROFILES) {
    fc.assert(fc.property(arb, s => {
      try { parseCode(profile, s) } catch (err) { if (!(err instanceof CodeFormatError)) throw err }
      try { parseHri(profile, s) } catch (err) { if (!(err instanceof CodeFormatError)) throw err }
      return true
    }), { numRuns: 500 })
  }
  t.pass('no other error type escaped')
})

t.test('code factory issues valid, distinct codes', async t => {
  const f = new CodeFactory(7)
  for (const profile of BUILTIN_PROFILES) {
    const codes = f.raw(profile, GTIN, 2000)
    t.equal(new Set(codes.map(c => parseCode(profile, c).identity)).size, 2000, `${profile.group}: 2000 distinct`)
  }
})

t.test('SSCC build and parse', async t => {
  const s = buildSscc(0, '0614141', 123456789)
  t.equal(s.digits, '006141411234567890', 'GS1 GenSpecs example')
  t.equal(s.ai00, '00006141411234567890')
  t.equal(s.ai00.length, 20)
  const p = parseSscc('(00)006141411234567890')
  t.equal(p.companyPrefix, '0614141')
  t.equal(p.serialReference, '123456789')
  t.equal(parseSscc(s.ai00).digits, s.digits)
  t.equal(parseSscc(s.digits, 9).serialReference, '3456789')
  t.throws(() => parseSscc('006141411234567891'), { code: 'LC_ERR_CODE_FORMAT', position: 17 })
  t.throws(() => parseSscc('00614141123456789'), { code: 'LC_ERR_CODE_FORMAT' })
  t.throws(() => parseSscc('0061414112345678a0'), { code: 'LC_ERR_CODE_FORMAT', position: 16 })
  t.throws(() => buildSscc(0, '46000', 1), { code: 'LC_ERR_CODE_FORMAT' })
  t.throws(() => buildSscc(0, '4600000', 10n ** 9n), { code: 'LC_ERR_CODE_FORMAT' })
  t.throws(() => buildSscc(10, '4600000', 1), { code: 'LC_ERR_CODE_FORMAT' })
  fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 7, max: 10 }), fc.bigInt({ min: 0n, max: 999999n }), (ext, plen, ref) => {
    const prefix = '4'.padEnd(plen, '6')
    const b = buildSscc(ext, prefix, ref)
    const back = parseSscc(b.ai00, plen)
    return back.digits === b.digits && BigInt(back.serialReference) === ref && back.extension === ext
  }))
})
