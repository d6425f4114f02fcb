// True API v553 §5.1.2 cises/info: the client against the emulator. Codes are answered from what the emulator holds
// (unknown → errorCode 404, known → EMITTED / APPLIED / INTRODUCED, the aggregate and its content); the refusals
// the guide lists (no body, not an array, an empty array) are 400 from the emulator, and the client refuses to send them.
import t from 'tap'
import { ManualClock } from '../../../line/clock.ts'
import { TrueApiClient } from '../../../line/gismt/index.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { startTrueApiEmulator } from '../../../sim/gismt/server.ts'

const A = '010460165303004621AAAAAAAAAAAAA'
const B = '010460165303004621BBBBBBBBBBBBB'
const C = '010460165303004621CCCCCCCCCCCCC'
const BOX = '00046016530000000018'

t.test('cises/info: status, aggregate and content from what GIS MT holds; unknown codes answered 404 per code', async t => {
  const clock = new ManualClock()
  const emu = await startTrueApiEmulator({ clock })
  const client = new TrueApiClient({ url: emu.url, signer: new TestSigner(), clock, retries: 0, timeoutMs: 5000 })
  t.teardown(async () => { await client.close(); await emu.close() })

  t.match(await client.cisesInfo([A], 'water'), [{ requestedCis: A, errorCode: '404', errorMessage: 'КИ не найден', status: null }], 'unknown: 404 for the code (the whole answer 404 too)')
  emu.registerCodes([A], { applied: false })
  emu.registerCodes([B], { applied: true })
  t.match(await client.cisesInfo([A, B, C], 'water'), [
    { requestedCis: A, cis: A, status: 'EMITTED', packageType: 'UNIT', errorCode: null },
    { requestedCis: B, status: 'APPLIED', gtin: '04601653030046', parent: null },
    { requestedCis: C, errorCode: '404' },
  ], 'one answer per code, in order')
  emu.registerAggregate(BOX, [B])
  const [unit, box] = await client.cisesInfo([`${B}\u001d93abcd`, BOX])
  t.match(unit, { requestedCis: `${B}\u001d93abcd`, cis: B, status: 'APPLIED', parent: BOX }, 'found by the code without its crypto part, in its box')
  t.match(box, { cis: BOX, packageType: 'BOX', child: [B] }, 'the aggregate with its content')

  await t.rejects(client.cisesInfo([]), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'the client sends no empty list')
  await t.rejects(client.cisesInfo([`(01)04601653030046(21)X`]), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'nor a code in brackets')
  await t.rejects(client.cisesInfo(Array.from({ length: 1001 }, (_, i) => `${A}${i}`)), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'nor more than 1000')

  // what the emulator refuses, as the guide lists it
  const token = await client.auth.getToken()
  const post = async (body: string | undefined) => {
    const res = await fetch(`${emu.url}/api/v3/true-api/cises/info?pg=water`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) })
    return { status: res.status, body: await res.json() as { error_message?: string } }
  }
  t.match(await post(undefined), { status: 400, body: { error_message: /Required request body is missing/ } })
  t.match(await post('{"cis":["x"]}'), { status: 400, body: { error_message: /JSON parse error/ } })
  t.match(await post('[]'), { status: 400, body: { error_message: 'В запросе не указан ни один КМ' } })
  const noToken = await fetch(`${emu.url}/api/v3/true-api/cises/info`, { method: 'POST', body: JSON.stringify([A]) })
  t.equal(noToken.status, 401, 'a token is required')
})
