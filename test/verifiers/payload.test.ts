// The hand check of camera results against the schema: it may only pass what the schema passes, with the same data.
import t from 'tap'
import { GS } from '../../line/codes/index.ts'
import { prng } from '../../sim/codes/factory.ts'
import { cameraResultSchema, fastCameraResult } from '../../verifiers/payload.ts'

const CODE = `0104601653030046215abcDEF123456${GS}93Ab1+`

t.test('a usual result passes the hand check with exactly the data the schema gives', async t => {
  const samples: unknown[] = [
    { seq: 1, ts: 1700000000000, code: CODE, grade: 'A' },
    { seq: 0, ts: 0, code: null, grade: 'F' },
    { seq: 7, ts: 5, code: CODE, grade: 'C', params: { symbolContrastGrade: 'B', modulation: 0.7 }, symbology: ']d2', extra: 'dropped' },
  ]
  for (const s of samples) {
    const fast = fastCameraResult(s)
    t.ok(fast !== undefined, `passes: ${JSON.stringify(s)}`)
    t.same(fast, cameraResultSchema.parse(s))
  }
})

t.test('whatever the hand check passes, the schema passes alike (random mutations)', async t => {
  const rand = prng(12)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const values: unknown[] = [undefined, null, -1, 0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, '', 'A', 'F', 'Z', CODE, `${GS}${CODE}`, `${CODE}${GS}`, 'ü', 'x'.repeat(1025), [], {}, { a: 'A' }, { ['k'.repeat(65)]: 1 }, ']d2', ']Q', true]
  const keys = ['seq', 'ts', 'code', 'grade', 'params', 'symbology']
  let agreed = 0
  const wrong: unknown[] = []
  for (let i = 0; i < 20_000; i++) {
    const o: Record<string, unknown> = { seq: 3, ts: 9, code: CODE, grade: 'B' }
    for (let m = Math.floor(rand() * 3); m > 0; m--) {
      const v = pick(values)
      if (v === undefined) delete o[pick(keys)]
      else o[pick(keys)] = v
    }
    const fast = fastCameraResult(o)
    const slow = cameraResultSchema.safeParse(o)
    if (fast !== undefined && !(slow.success && JSON.stringify(fast) === JSON.stringify(slow.data))) wrong.push(o)
    if (fast !== undefined || !slow.success) agreed++
  }
  t.same(wrong.slice(0, 5), [], 'nothing passed that the schema refuses or reads otherwise')
  t.ok(agreed > 10_000, `${agreed} of 20,000 decided alike (the rest left to the schema)`)
})
