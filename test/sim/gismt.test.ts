import t from 'tap'
import { ManualClock } from '../../line/clock.ts'
import { TestSigner } from '../../line/signer/index.ts'
import { REASONS, startTrueApiEmulator, type EmulatorOptions } from '../../sim/gismt/server.ts'

const HOUR = 3_600_000
const signer = new TestSigner()

async function setup (t: { teardown(fn: () => void | Promise<void>): void }, checkDelayMs = 0, more: EmulatorOptions = {}) {
  const clock = new ManualClock()
  const emu = await startTrueApiEmulator({ clock, checkDelayMs, ...more })
  t.teardown(() => emu.close())
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number, body: any }> => {
    const res = await fetch(emu.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: res.status, body: parsed }
  }
  const signIn = async (connection?: string): Promise<string> => {
    const key = await call('GET', '/api/v3/true-api/auth/key')
    const data = await signer.sign(Buffer.from(key.body.data), { detached: false })
    const r = await call('POST', `/api/v3/true-api/auth/simpleSignIn${connection === undefined ? '' : `/${connection}`}`, { uuid: key.body.uuid, data })
    return r.body.token
  }
  const create = async (token: string, type: string, doc: unknown, pg = 'water'): Promise<{ status: number, body: any }> => {
    const json = Buffer.from(JSON.stringify(doc))
    const product_document = json.toString('base64')
    return call('POST', `/api/v3/true-api/lk/documents/create?pg=${pg}`, { document_format: 'MANUAL', product_document, type, signature: await signer.sign(json, { detached: true }) }, token)
  }
  const info = async (token: string, id: string, pg = 'water') => (await call('GET', `/api/v4/true-api/doc/${id}/info?pg=${pg}`, undefined, token)).body[0]
  return { clock, emu, call, signIn, create, info }
}

t.test('auth: a key is single-use, the signature must cover its data, tokens expire after 10 h', async t => {
  const { clock, call, signIn } = await setup(t)
  const key = await call('GET', '/api/v3/true-api/auth/key')
  t.equal(key.status, 200)
  const wrong = await call('POST', '/api/v3/true-api/auth/simpleSignIn', { uuid: key.body.uuid, data: await signer.sign(Buffer.from('other'), { detached: false }) })
  t.equal(wrong.status, 403)
  const reuse = await call('POST', '/api/v3/true-api/auth/simpleSignIn', { uuid: key.body.uuid, data: await signer.sign(Buffer.from(key.body.data), { detached: false }) })
  t.equal(reuse.status, 400, 'the uuid was used up: "UUID не найден в хранилище ключей" (True API §1.5)')
  t.equal((await call('POST', '/api/v3/true-api/auth/simpleSignIn', '{oops')).status, 400)
  const token = await signIn()
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000', undefined, token)).status, 200)
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water', undefined, token)).status, 400, 'doc/list without senderInn or receiverInn: 400 (§6.1)')
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000&receiverInn=7700000001', undefined, token)).status, 400, 'and with both')
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000', undefined, 'forged')).status, 401)
  clock.advance(10 * HOUR)
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000', undefined, token)).status, 401, 'expired')
  const a = await signIn('conn-1')
  const b = await signIn('conn-1')
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000', undefined, a)).status, 401, 'a new OMS token replaces the old')
  t.equal((await call('GET', '/api/v4/true-api/doc/list?pg=water&senderInn=7700000000', undefined, b)).status, 200)
})

t.test('documents: IN_PROGRESS, then CHECKED_OK, or CHECKED_NOT_OK with a reason per code', async t => {
  const { clock, emu, signIn, create, info } = await setup(t, 5000)
  const token = await signIn()
  emu.registerCodes(['A1', 'A2', 'A3'])
  emu.registerCodes(['N1'], { applied: false })
  const ok = await create(token, 'AGGREGATION_DOCUMENT', { participantId: '7700000000', aggregationUnits: [{ unitSerialNumber: '00046016530000000017', aggregationType: 'AGGREGATION', sntins: ['A1', 'A2'] }] })
  t.equal(ok.status, 200)
  t.equal((await info(token, ok.body)).status, 'IN_PROGRESS')
  clock.advance(5000)
  t.equal((await info(token, ok.body)).status, 'CHECKED_OK')
  t.equal(emu.codeInfo('A1')?.aggregatedIn, '00046016530000000017')

  const bad = await create(token, 'AGGREGATION_DOCUMENT', { participantId: '7700000000', aggregationUnits: [{ unitSerialNumber: '00046016530000000024', aggregationType: 'AGGREGATION', sntins: ['A2', 'A3', 'N1', 'X9'] }] })
  clock.advance(5000)
  const i = await info(token, bad.body)
  t.equal(i.status, 'CHECKED_NOT_OK')
  t.same(i.errors, [{ cis: 'A2', message: REASONS.aggregated }, { cis: 'N1', message: REASONS.notApplied }, { cis: 'X9', message: REASONS.unknown }])
  t.equal(emu.codeInfo('A3')?.aggregatedIn, undefined, 'a refused document changes nothing')

  const intro = await create(token, 'LP_INTRODUCE_GOODS', { products: [{ uit_code: 'A3', tnved_code: '2201' }] })
  clock.advance(5000)
  t.equal((await info(token, intro.body)).status, 'CHECKED_OK')
  const again = await create(token, 'LP_INTRODUCE_GOODS', { products: [{ uit_code: 'A3', tnved_code: '2201' }] })
  clock.advance(5000)
  t.same((await info(token, again.body)).errors, [{ cis: 'A3', message: REASONS.introduced }])
  t.equal(emu.receipts.byCode.get('A3'), 3)
})

t.test('bad requests are answered 400 with an error body, never crash the emulator', async t => {
  const { call, signIn, create } = await setup(t)
  const token = await signIn()
  t.equal((await call('POST', '/api/v3/true-api/lk/documents/create?pg=water', '{not json', token)).status, 400)
  t.equal((await call('POST', '/api/v3/true-api/lk/documents/create', { document_format: 'MANUAL' }, token)).status, 400)
  const unsigned = await call('POST', '/api/v3/true-api/lk/documents/create?pg=water', { document_format: 'MANUAL', product_document: 'e30=', type: 'LP_INTRODUCE_GOODS', signature: 'AAAA' }, token)
  t.equal(unsigned.status, 400)
  t.match(unsigned.body, { error_message: /signature/ })
  t.equal((await call('GET', '/api/v4/true-api/doc/none/info?pg=water', undefined, token)).status, 404)
  t.equal((await create(token, 'LP_INTRODUCE_GOODS', { products: [] })).status, 200, 'still serving')
})

t.test('outages on demand: 5xx, 429, slow, hang — and recovery', async t => {
  const { emu, call } = await setup(t)
  emu.outage({ mode: '5xx' })
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 503)
  emu.outage({ mode: '429' })
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 429)
  emu.outage({ mode: 'slow', delayMs: 50 })
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 200, 'slow still answers')
  emu.outage({ mode: 'hang', path: 'auth/key' })
  const hung = await fetch(emu.url + '/api/v3/true-api/auth/key', { signal: AbortSignal.timeout(200) }).catch(e => e)
  t.equal(hung.name, 'TimeoutError')
  emu.outage(undefined)
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 200)
})

t.test('controls over HTTP for an emulator in another process', async t => {
  const { emu, call, signIn, create, info } = await setup(t)
  t.same((await call('POST', '/_emulator/codes', { codes: ['C1', 'C2'] })).body, { registered: 2 })
  t.equal(emu.codeInfo('C1')?.applied, true)
  t.equal((await call('POST', '/_emulator/codes', '{bad')).status, 400)
  const token = await signIn()
  const doc = await create(token, 'LP_INTRODUCE_GOODS', { products: [{ uit_code: 'C1', tnved_code: '2201' }] })
  t.equal((await info(token, doc.body)).status, 'CHECKED_OK')
  t.match((await call('GET', '/_emulator/receipts')).body, { creates: 1, documents: 1, codes: 1, codesReceivedTwice: 0 })
  await call('POST', '/_emulator/outage', { mode: '5xx' })
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 503)
  await call('POST', '/_emulator/outage', {})
  t.equal((await call('GET', '/api/v3/true-api/auth/key')).status, 200)
})

t.test('disaggregation (TA §4.1.2.3): only an aggregate GIS MT holds, codes APPLIED or INTRODUCED; a pallet before its box', async t => {
  const { emu, signIn, create, info } = await setup(t)
  const token = await signIn()
  const inn = '7700000000'
  const u = (n: number): string => `0104601653030046215RW${String(n).padStart(8, '0')}`
  const box1 = '00046000000000000017'
  const box2 = '00046000000000000024'
  const pallet = '00046000000000000031'
  emu.registerCodes([u(1), u(2), u(3), u(4)], { applied: true })
  const agg = await create(token, 'AGGREGATION_DOCUMENT', { participantId: inn, aggregationUnits: [
    { unitSerialNumber: box1, aggregationType: 'AGGREGATION', sntins: [u(1), u(2)] },
    { unitSerialNumber: box2, aggregationType: 'AGGREGATION', sntins: [u(3), u(4)] },
  ] })
  t.equal((await info(token, agg.body)).status, 'CHECKED_OK')
  t.equal((await info(token, (await create(token, 'AGGREGATION_DOCUMENT', { participantId: inn, aggregationUnits: [{ unitSerialNumber: pallet, aggregationType: 'AGGREGATION', sntins: [box1, box2] }] })).body)).status, 'CHECKED_OK')

  const unknown = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: inn, products_list: [{ uitu: '00046000000000000048' }] })).body)
  t.equal(unknown.status, 'CHECKED_NOT_OK', 'an aggregate GIS MT does not hold is refused')
  t.equal(unknown.errors[0].message, REASONS.noAggregate)
  const badInn = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: '12', products_list: [{ uitu: box1 }] })).body)
  t.equal(badInn.status, 'CHECKED_NOT_OK', 'participant_inn must be an INN')
  const boxThenPallet = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: inn, products_list: [{ uitu: box1 }, { uitu: pallet }] })).body)
  t.equal(boxThenPallet.status, 'CHECKED_NOT_OK', 'the box undoes its pallet (any action inside an aggregate): the pallet listed after it is gone')
  t.same(boxThenPallet.errors.map((e: { cis: string }) => e.cis), [pallet])
  t.ok(emu.aggregates().has(pallet) && emu.aggregates().has(box1), 'a refused document changes nothing')

  const ok = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: inn, products_list: [{ uitu: pallet }, { uitu: box1 }] })).body)
  t.equal(ok.status, 'CHECKED_OK', 'the pallet, then its box')
  t.same([...emu.aggregates().keys()], [box2], 'GIS MT holds the other box only')
  t.equal(emu.codeInfo(u(1))?.aggregatedIn, undefined, 'the box\'s codes are free')
  t.equal(emu.aggregateParent(box2), undefined, 'the other box is on no pallet')
  const again = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: inn, products_list: [{ uitu: box1 }] })).body)
  t.equal(again.status, 'CHECKED_NOT_OK', 'an aggregate already disaggregated is refused')
  const reagg = await info(token, (await create(token, 'AGGREGATION_DOCUMENT', { participantId: inn, aggregationUnits: [{ unitSerialNumber: '00046000000000000055', aggregationType: 'AGGREGATION', sntins: [u(1), u(2)] }] })).body)
  t.equal(reagg.status, 'CHECKED_OK', 'the freed codes aggregate into a new box')

  emu.registerAggregate('00046000000000000062', ['0104601653030046215RW99999999'])
  const notApplied = await info(token, (await create(token, 'DISAGGREGATION_DOCUMENT', { participant_inn: inn, products_list: [{ uitu: '00046000000000000062' }] })).body)
  t.equal(notApplied.status, 'CHECKED_NOT_OK', 'an aggregate of codes not APPLIED or INTRODUCED is refused')
  t.equal(notApplied.errors[0].message, REASONS.aggregateStatus)
})

t.test('introduction (TA §4.1.4.1): milk lists the aggregate with the codes inside it; permit data where GIS MT holds none', async t => {
  const milkGtin = '04601653030046'
  const { emu, signIn, create, info } = await setup(t, 0, { permitsOnFile: ['04601653030053'] })
  const token = await signIn()
  const u = (n: number, gtin = milkGtin): string => `01${gtin}21M${String(n).padStart(8, '0')}`
  emu.registerCodes([u(1), u(2), u(3), u(4), u(5, '04601653030053')], { applied: true })
  const box = '00046000000000000017'
  t.equal((await info(token, (await create(token, 'AGGREGATION_DOCUMENT', { participantId: '7700000000', aggregationUnits: [{ unitSerialNumber: box, aggregationType: 'AGGREGATION', sntins: [u(1), u(2), u(3)] }] }, 'milk')).body, 'milk')).status, 'CHECKED_OK')
  const cert = [{ certificate_type: 'CONFORMITY_DECLARATION', certificate_number: 'ЕАЭС N RU Д-RU.РА01.В.12345/26', certificate_date: '2026-01-15' }]
  const doc = (products: unknown[]) => ({ participant_inn: '7700000000', producer_inn: '7700000000', owner_inn: '7700000000', production_date: '2026-11-25', production_type: 'OWN_PRODUCTION', products })
  const entry = (k: 'uit_code' | 'uitu_code', c: string, more: Record<string, unknown> = { certificate_document_data: cert }) => ({ [k]: c, tnved_code: '0401201100', ...more })
  const submit = async (products: unknown[]) => info(token, (await create(token, 'LP_INTRODUCE_GOODS', doc(products), 'milk')).body, 'milk')

  const boxOnly = await submit([entry('uitu_code', box)])
  t.equal(boxOnly.status, 'CHECKED_NOT_OK', 'milk: the box alone is refused')
  t.match(boxOnly.errors[0].message, /aggregate is listed with the codes inside it; 3 of 3 not listed/)
  const partly = await submit([entry('uitu_code', box), entry('uit_code', u(1))])
  t.match(partly.errors[0].message, /2 of 3 not listed/)
  const noPermit = await submit([entry('uitu_code', box, {}), entry('uit_code', u(1), {}), entry('uit_code', u(2), {}), entry('uit_code', u(3), {})])
  t.equal(noPermit.status, 'CHECKED_NOT_OK', 'no permit data on file for the GTIN, none in the document')
  t.match(noPermit.errors[0].message, /certificate_document_data is mandatory/)
  const badType = await submit([entry('uitu_code', box, { certificate_document_data: [{ ...cert[0], certificate_type: 'LICENCE' }] }), entry('uit_code', u(1)), entry('uit_code', u(2)), entry('uit_code', u(3))])
  t.match(badType.errors[0].message, /not in the directory of permit types/)
  const both = await submit([entry('uitu_code', box, { certificate_document_data: cert, certificate_document: 'X', certificate_document_number: '1', certificate_document_date: '2026-01-01' }), entry('uit_code', u(1)), entry('uit_code', u(2)), entry('uit_code', u(3))])
  t.match(both.errors[0].message, /inside and outside/)
  t.notOk(emu.codeInfo(u(1))?.introduced, 'refused documents introduce nothing')

  const ok = await submit([entry('uitu_code', box), entry('uit_code', u(1)), entry('uit_code', u(2)), entry('uit_code', u(3))])
  t.equal(ok.status, 'CHECKED_OK', 'the box with its three codes, each with the declaration')
  t.ok([1, 2, 3].every(n => emu.codeInfo(u(n))?.introduced === true), 'each unit introduced once')
  const onFile = await submit([entry('uit_code', u(5, '04601653030053'), {})])
  t.equal(onFile.status, 'CHECKED_OK', 'a GTIN GIS MT holds permit data for needs none in the document')
  const water = await info(token, (await create(token, 'LP_INTRODUCE_GOODS', doc([entry('uit_code', u(4), {})]))).body)
  t.match(water.errors[0].message, /certificate_document_data is mandatory/, 'water needs it too')
  // a code whose utilisation GIS MT has not (no accepted utilisation report): not introduced
  emu.registerCodes([u(6)], { applied: false })
  const early = await info(token, (await create(token, 'LP_INTRODUCE_GOODS', doc([entry('uit_code', u(6))]))).body)
  t.same(early.errors, [{ cis: u(6), message: REASONS.notApplied }], 'a code not yet applied is refused')
  t.notOk(emu.codeInfo(u(6))?.introduced)
})
