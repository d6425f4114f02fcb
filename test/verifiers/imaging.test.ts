// Image mode end to end without MQTT: render → degrade → decode → grade, for every product group.
import t from 'tap'
import { GRADE_ORDER, type Grade } from '../../verifiers/types.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { gradeSymbol } from '../../verifiers/grading.ts'
import { decodeImage, idealMatrix, renderCode, renderGrey, type GreyImage } from '../../verifiers/imaging.ts'
import { degrade, type Defects } from '../../sim/camera/degrade.ts'
import { CodeFactory, gtinFrom, prng } from '../../sim/codes/factory.ts'

const registry = new ProfileRegistry()
const factory = new CodeFactory(7)
const gtin = gtinFrom('0460165303004')

async function look (raw: string, defects: Defects, gs1 = true): Promise<{ img: GreyImage, text: string | null, symbology?: string, grade?: Grade, params?: Record<string, unknown> }> {
  const { png } = await renderCode(raw, { gs1 })
  const img = await degrade(png, defects, prng(3))
  const dec = await decodeImage(img)
  if (dec === null) return { img, text: null }
  const g = gradeSymbol(img, dec.result.position, dec.result.symbol, idealMatrix(dec.text, gs1))
  return { img, text: dec.text, symbology: dec.symbology, grade: g.grade, params: g.params }
}

const worse = (a: Grade, b: Grade): boolean => GRADE_ORDER.indexOf(a) > GRADE_ORDER.indexOf(b)

t.test('a clean print decodes to exactly what was rendered, as a GS1 DataMatrix, grade A', async t => {
  for (const group of registry.groups()) {
    const gs1 = group !== 'tobacco-pack'
    const raw = factory.raw(registry.get(group), gtin, 1)[0] as string
    const r = await look(raw, {}, gs1)
    t.equal(r.text, raw, `${group}: decoded data equals the printed code, GS included`)
    t.equal(r.symbology, gs1 ? ']d2' : ']d1', `${group}: symbology identifier`)
    t.equal(r.grade, 'A', `${group}: clean print grades A`)
  }
})

t.test('rotation does not hurt decoding or grade', async t => {
  const raw = factory.raw(registry.get('water'), gtin, 1)[0] as string
  for (const rotation of [12, 90, 183]) {
    const r = await look(raw, { rotation })
    t.equal(r.text, raw)
    t.equal(r.grade, 'A', `rotated ${rotation}°`)
  }
})

t.test('a heavy blur, a faded print and a smear grade worse than a clean print', async t => {
  const raw = factory.raw(registry.get('milk'), gtin, 1)[0] as string
  const clean = await look(raw, {})
  t.equal(clean.grade, 'A')
  const blurred = await look(raw, { blur: 2.6 })
  t.equal(blurred.text, raw, 'still readable')
  t.ok(worse(blurred.grade as Grade, 'C'), `heavy blur grades below C (got ${blurred.grade})`)
  t.not(blurred.params?.modulationGrade, 'A', 'blur shows in modulation')
  const faded = await look(raw, { contrast: 0.35 })
  t.ok(worse(faded.grade as Grade, 'B'), `faded print grades below B (got ${faded.grade})`)
  t.ok((faded.params?.symbolContrast as number) < 40, 'faded print shows in symbol contrast')
  const smeared = await look(raw, { smear: 9 })
  t.ok(worse(smeared.grade as Grade, 'A'), `smear grades below A (got ${smeared.grade})`)
})

t.test('a damaged symbol spends error correction; a destroyed one does not decode', async t => {
  const raw = factory.raw(registry.get('beer'), gtin, 1)[0] as string
  const scratched = await look(raw, { occlusion: 0.08 })
  t.equal(scratched.text, raw)
  t.ok((scratched.params?.unusedErrorCorrection as number) < 1, 'module errors reduce UEC')
  const gone = await look(raw, { contrast: 0.02, noise: 40 })
  t.equal(gone.text, null, 'nothing decodes from noise')
})

t.test('the raster renderer (what the camera simulator uses) reads back the same as the PNG', async t => {
  const raw = factory.raw(registry.get('shoes'), gtin, 1)[0] as string
  const img = renderGrey(raw, { moduleSize: 5, quietZone: 1 })
  const dec = await decodeImage(img)
  t.equal(dec?.text, raw)
  t.equal(dec?.symbology, ']d2')
  const g = gradeSymbol(img, dec!.result.position, dec!.result.symbol, idealMatrix(raw))
  t.equal(g.grade, 'A')
  const png = await renderCode(raw)
  t.equal(png.png.subarray(1, 4).toString(), 'PNG')
})
