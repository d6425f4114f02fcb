// Operators' aggregation work on the real line, through the panel's HTTP API with logged-in users: take a unit
// out of the open box, reprint a box label (same SSCC on the ZPL printer), scrap a box (its units DEFECT and
// reported as dropout to the OMS), close a partial box; each refused when it makes no sense, with a reason in
// Russian and English, and each in the audit trail (who, when, what). The job then runs to Complete and the
// store, the counters, the label printer and the OMS agree.
import t from 'tap'
import { hashPassword } from '../../line/hmi/passwords.ts'
import { HmiStore } from '../../line/hmi/store.ts'
import { buildSscc } from '../../line/codes/index.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { Client } from '../line/hmi/harness.ts'
import { runLine, startTestLine, waitFor } from '../helpers/line.ts'

const GTIN = '04601653030046'
const QUANTITY = 400
const UNITS_PER_BOX = 40
const BOXES_PER_PALLET = 4

t.test('remove a unit, reprint, scrap, close partial: through the panel on the running line', async t => {
  // reports stay pending at the OMS until the test lets them through: a box is scrapped before its aggregation is
  // accepted (afterwards GIS MT holds it, and it has to be disaggregated there first)
  const oms = new OmsEmulator({ port: 0, clientToken: 'ops-token', activationDelayMs: 300, rateLimitPerSecond: 0, reportProcessingMs: 3_600_000 })
  await oms.start()
  t.teardown(() => oms.close())
  const { line, world, config } = await startTestLine(t, {
    world: { camera: { mode: 'fast', noReadRate: 0.02 } },
    config: {
      oms: { url: oms.url, omsId: oms.omsId, clientToken: 'ops-token' },
      reports: { aggregationVia: 'oms', window: 300, pollIntervalMs: 200 },
      pool: { lowWatermarkMinutes: 0.01, targetMinutes: 0.01, lowWatermarkCodes: QUANTITY + 100, targetCodes: QUANTITY + 300, criticalCodes: 0, minRemainingValidity: 0 },
      job: { group: 'water', gtin: GTIN, batch: 'OPS-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: QUANTITY, unitsPerBox: UNITS_PER_BOX, boxesPerPallet: BOXES_PER_PALLET, minGrade: 'C', unitsPerMinute: 1200 },
    },
  })
  const since = Date.now()
  const rt = line.runtime
  const db = line.db
  const head = world.heads.get('head-1')!
  const labels = world.labelPrinters.get('box-label')!
  const conveyor = world.conveyor!
  const state = (): string => rt.snapshot().state.state
  const hmiUsers = new HmiStore(db)
  hmiUsers.addUser({ username: 'ivanov', role: 'operator', passwordHash: await hashPassword('operator-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
  hmiUsers.addUser({ username: 'petrova', role: 'engineer', passwordHash: await hashPassword('engineer-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
  const operator = new Client(line.hmiUrl)
  const engineer = new Client(line.hmiUrl)
  t.equal(await operator.login('ivanov', 'operator-pass-1'), 200)
  t.equal(await engineer.login('petrova', 'engineer-pass-1'), 200)

  const codeRow = (id: number) => db.prepare('SELECT id, code, state, reason, parent FROM codes WHERE id = ?').get(id) as { id: number, code: string, state: number, reason: string | null, parent: string | null }
  const stateName = (s: number): string => ['AVAILABLE', 'SENT', 'PRINTED', 'VERIFIED', 'AGGREGATED', 'REPORTED', 'DEFECT', 'DROPPED'][s]!
  const openBoxIds = (): number[] => (db.prepare("SELECT ci.code_id AS id FROM container_items ci JOIN containers c ON c.id = ci.container_id WHERE c.level = 'box' AND c.state = 'open' AND ci.code_id IS NOT NULL ORDER BY ci.rowid").all() as Array<{ id: number }>).map(r => r.id)
  const closedBoxes = () => db.prepare("SELECT id, sscc, (SELECT count(*) FROM container_items WHERE container_id = containers.id) AS n FROM containers WHERE level = 'box' AND state = 'closed' ORDER BY id").all() as Array<{ id: number, sscc: string, n: number }>
  const boxUnits = (containerId: number): number[] => (db.prepare('SELECT code_id AS id FROM container_items WHERE container_id = ? ORDER BY rowid').all(containerId) as Array<{ id: number }>).map(r => r.id)
  const labelsFor = (sscc: string): number => labels.printed.filter(l => l.barcodes.some(b => b.type === 'gs1-128' && b.data === `00${sscc}`)).length
  const storeStates = () => line.pool.accounting().gtins[GTIN]!.states
  const bilingual = { ru: /\S/, en: /\S/ }

  const gates = new Set<number>(); const shipped = new Set<number>()
  line.mqtt.on('message', (topic: string, payload: Buffer) => { if (topic.endsWith('/plc/gate')) gates.add((JSON.parse(payload.toString()) as { seq: number }).seq) })
  conveyor.on('shipped', (p: { seq: number }) => shipped.add(p.seq))
  // ---- run until two boxes are closed and a third is part-filled, then hold (the operator stops to work)
  await waitFor('codes from the OMS', () => rt.snapshot().pool.available >= QUANTITY, 60_000)
  await runLine(world, config, state)
  await waitFor('two boxes closed and a third begun', () => { const s = rt.snapshot(); return s.counters.boxes >= 2 && (s.box?.count ?? 0) >= 4 }, 60_000)
  t.equal((await operator.req('POST', '/api/command', { command: 'hold' })).status, 200, 'the operator holds the line')
  await waitFor('Held', () => state() === 'Held')
  // products already on the conveyor still pass the gate into the open box: wait until nothing moves (the codes
  // in the head's buffer stay SENT while held)
  const quiet = (): boolean => {
    const st = storeStates()
    return conveyor.onConveyor === 0 && st.PRINTED === 0 && st.VERIFIED === openBoxIds().length
  }
  await waitFor('the line is quiet', quiet, 30_000).catch(err => {
    const loose = db.prepare(`SELECT id, seq FROM codes WHERE state = 3 AND NOT EXISTS (SELECT 1 FROM container_items ci WHERE ci.code_id = codes.id)`).all() as Array<{ id: number, seq: number }>
    const looseInfo = loose.map(l => ({ ...l, gateSeen: gates.has(l.seq), shipped: shipped.has(l.seq) }))
    throw new Error(`${err.message}: ${JSON.stringify({ onConveyor: conveyor.onConveyor, states: storeStates(), inOpenBox: openBoxIds().length, looseInfo, alarms: rt.snapshot().alarms.map(a => a.code) })}`)
  })
  const before = closedBoxes()
  t.ok(before.length >= 2 && before.length < QUANTITY / UNITS_PER_BOX, `${before.length} boxes closed while held`)
  const inBox = openBoxIds()
  t.ok(inBox.length >= 3 && inBox.length < UNITS_PER_BOX, `the open box holds ${inBox.length} units`)
  t.equal(rt.snapshot().box?.count, inBox.length, 'the panel shows the open box as the store holds it')

  // ---- remove a unit from the open box (the engineer scans its code)
  const victim = codeRow(inBox[1]!)
  const scanned = head.printed.find(p => p.code.split('\u001d')[0] === victim.code.split('\u001d')[0])!.code
  const byOperator = await operator.req('POST', '/api/unit/remove', { code: scanned })
  t.equal(byOperator.status, 403, 'an operator may not take units out of a box')
  t.match(byOperator.body.error.message, bilingual)
  t.equal(codeRow(victim.id).state, 3, 'the refused removal changed nothing')
  // pasted as the panel shows it: the GS as ⟨GS⟩
  const pasted = scanned.replaceAll('\u001d', '⟨GS⟩')
  const removed = await engineer.req('POST', '/api/unit/remove', { code: pasted })
  t.equal(removed.status, 200, 'the engineer removes the unit, its code pasted as the panel shows it (⟨GS⟩)')
  t.same(openBoxIds(), inBox.filter(id => id !== victim.id), 'the unit is out of the open box, the others stay')
  t.equal(rt.snapshot().box?.count, inBox.length - 1, 'the panel shows one unit less')
  t.match(codeRow(victim.id), { state: 6, reason: 'REMOVED' }, 'its code is DEFECT, reason REMOVED')
  const again = await engineer.req('POST', '/api/unit/remove', { code: scanned })
  t.equal(again.status, 409, 'removing it again is refused')
  t.same(again.body.error.message, { ru: 'Этого кода нет в открытом коробе', en: 'that code is not in the open box' })
  const inClosed = codeRow(boxUnits(before[1]!.id)[0]!)
  const fromClosed = await engineer.req('POST', '/api/unit/remove', { code: inClosed.code })
  t.equal(fromClosed.status, 409, 'a unit in a closed box cannot be taken out as from the open box')
  t.match(fromClosed.body.error.message, { ru: /открытом коробе/, en: /open box/ })
  t.equal(codeRow(inClosed.id).state, 4, 'and stays AGGREGATED')
  const unknown = await engineer.req('POST', '/api/unit/remove', { code: `01${GTIN}21NOSUCHSERIAL` })
  t.equal(unknown.status, 409, 'a code the line never had is refused')
  t.match(unknown.body.error.message, bilingual)

  // ---- reprint a closed box's label: the same SSCC once more on the ZPL printer
  const reprinted = before[1]!
  t.equal(labelsFor(reprinted.sscc), 1, 'one label so far')
  const labelCount = labels.printed.length
  t.equal((await operator.req('POST', '/api/box/reprint', { sscc: reprinted.sscc })).status, 403, 'an operator may not reprint')
  const reprint = await engineer.req('POST', '/api/box/reprint', { sscc: `(00)${reprinted.sscc}` })
  t.equal(reprint.status, 200, 'the engineer reprints, typing the SSCC as on the label')
  await waitFor('the reprinted label', () => labels.printed.length === labelCount + 1, 10_000)
  t.equal(labelsFor(reprinted.sscc), 2, 'the printer printed the same SSCC a second time')
  t.match(labels.printed.at(-1)!.barcodes.find(b => b.type === 'gs1-128'), { data: `00${reprinted.sscc}` })
  const noSuchSscc = buildSscc(config.aggregation.extensionDigit, config.aggregation.companyPrefix, 999_999).digits
  const reprintUnknown = await engineer.req('POST', '/api/box/reprint', { sscc: noSuchSscc })
  t.equal(reprintUnknown.status, 409, 'reprinting an SSCC the line never closed is refused')
  t.same(reprintUnknown.body.error.message, { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' })
  const badDigit = `${reprinted.sscc.slice(0, 17)}${(Number(reprinted.sscc[17]) + 1) % 10}`
  const reprintBad = await engineer.req('POST', '/api/box/reprint', { sscc: badDigit })
  t.equal(reprintBad.status, 400, 'an SSCC with a wrong check digit is refused by the form')
  t.match(reprintBad.body.error.fields.sscc, { ru: /контрольная/, en: /check digit/ })
  t.equal(labels.printed.length, labelCount + 1, 'refusals print nothing')

  // ---- scrap a closed box: its units become DEFECT (SCRAPPED) and go out as dropout
  const scrapped = before[0]!
  const scrappedUnits = boxUnits(scrapped.id)
  t.equal(scrappedUnits.length, UNITS_PER_BOX)
  t.ok(scrappedUnits.every(id => codeRow(id).state === 4), 'its units are AGGREGATED (aggregation not yet accepted)')
  t.equal((await operator.req('POST', '/api/box/scrap', { sscc: scrapped.sscc, reason: 'короб раздавлен' })).status, 403, 'an operator may not scrap')
  const noReason = await engineer.req('POST', '/api/box/scrap', { sscc: scrapped.sscc })
  t.equal(noReason.status, 400, 'scrapping needs a reason')
  t.match(noReason.body.error.fields.reason, bilingual)
  const scrap = await engineer.req('POST', '/api/box/scrap', { sscc: scrapped.sscc, reason: 'короб раздавлен / crushed carton' })
  t.equal(scrap.status, 200, 'the engineer scraps the box')
  t.equal((db.prepare('SELECT state FROM containers WHERE id = ?').get(scrapped.id) as { state: string }).state, 'scrapped')
  t.same(scrappedUnits.map(id => codeRow(id)).filter(r => r.state !== 6 || r.reason !== 'SCRAPPED').map(r => `${r.id} ${stateName(r.state)} ${r.reason}`), [], 'every unit of the box is DEFECT, reason SCRAPPED')
  const scrapAgain = await engineer.req('POST', '/api/box/scrap', { sscc: scrapped.sscc, reason: 'twice' })
  t.equal(scrapAgain.status, 409, 'a box is scrapped once')
  t.match(scrapAgain.body.error.message, bilingual)
  const scrapUnknown = await engineer.req('POST', '/api/box/scrap', { sscc: noSuchSscc, reason: 'no such box' })
  t.equal(scrapUnknown.status, 409, 'scrapping an unknown SSCC is refused')
  t.same(scrapUnknown.body.error.message, { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' })
  t.equal((await engineer.req('POST', '/api/box/reprint', { sscc: scrapped.sscc })).status, 409, 'a scrapped box gets no new label')

  // ---- close the part-filled box (the operator's button)
  const openNow = openBoxIds()
  const labelsBeforeClose = labels.printed.length
  const close = await operator.req('POST', '/api/box/close', {})
  t.equal(close.status, 200, 'the operator closes the partial box')
  const partialSscc = close.body.result.sscc as string
  t.match(partialSscc, /^\d{18}$/)
  const partial = closedBoxes().find(b => b.sscc === partialSscc)!
  t.equal(partial.n, openNow.length, `the partial box holds the ${openNow.length} units that were in it`)
  t.same(boxUnits(partial.id), openNow)
  t.ok(openNow.every(id => codeRow(id).state === 4 && codeRow(id).parent === `00${partialSscc}`), 'its units are AGGREGATED under its SSCC')
  await waitFor('the partial box label', () => labelsFor(partialSscc) === 1, 10_000)
  t.ok(labels.printed.length > labelsBeforeClose)
  t.equal(rt.snapshot().box?.count, 0, 'the panel shows an empty box')
  t.equal(rt.snapshot().box?.lastBoxSscc, partialSscc, 'and the SSCC of the box just closed')

  // ---- closing the partial box closed only the box: the pallet stays open until the operator closes it (or it is full)
  const palletOf = (boxSscc: string) => db.prepare('SELECT p.id, p.state, p.sscc FROM containers b JOIN containers p ON p.id = b.parent_id WHERE b.sscc = ?').get(boxSscc) as { id: number, state: string, sscc: string | null }
  const onPallet = (palletId: number): number => (db.prepare("SELECT count(*) AS n FROM containers WHERE parent_id = ? AND state = 'closed'").get(palletId) as { n: number }).n
  let palletSscc: string
  if (palletOf(partialSscc).state === 'open') {
    t.pass('the open pallet stayed open')
    const closePallet = await operator.req('POST', '/api/pallet/close', {})
    t.equal(closePallet.status, 200, 'the operator closes the pallet on purpose')
    palletSscc = closePallet.body.result.sscc as string
    t.equal(palletOf(partialSscc).sscc, palletSscc, 'the pallet holding the partial box')
    t.equal(rt.snapshot().box?.lastPalletSscc, palletSscc)
    const again = await operator.req('POST', '/api/pallet/close', {})
    t.equal(again.status, 409, 'no pallet left to close')
    t.match(again.body.error.message, bilingual)
  } else {
    palletSscc = palletOf(partialSscc).sscc as string // the partial box filled it: closed as any full pallet
  }
  await waitFor('the pallet label', () => labelsFor(palletSscc) === 1, 10_000)
  const palletLabel = labels.printed.find(l => l.barcodes.some(b => b.type === 'gs1-128' && b.data === `00${palletSscc}`))!
  const boxesOnIt = onPallet(palletOf(partialSscc).id)
  t.ok(JSON.stringify(palletLabel).includes(`Qty ${boxesOnIt}`), `the pallet label counts the ${boxesOnIt} boxes on it, not the scrapped one`)
  const closeEmpty = await operator.req('POST', '/api/box/close', {})
  t.equal(closeEmpty.status, 409, 'closing an empty box is refused')
  t.same(closeEmpty.body.error.message, { ru: 'Открытый короб пуст', en: 'the open box is empty' })

  // ---- the Find tab's API on the running line (line/main.ts wires the lookup): boxes by a unit code, a code's place
  const jobId = rt.snapshot().job!.id
  const listed = await operator.req('GET', `/api/find/containers?job=${jobId}`)
  t.equal(listed.status, 200)
  t.match(listed.body.rows.find((r: { sscc: string }) => r.sscc === scrapped.sscc), { level: 'box', state: 'scrapped' }, 'the scrapped box is listed as scrapped')
  t.match(listed.body.rows.find((r: { sscc: string }) => r.sscc === partialSscc), { level: 'box', state: 'closed', items: openNow.length })
  const unitOfPartial = codeRow(openNow[0]!).code
  const byCode = await operator.req('GET', `/api/find/containers?q=${encodeURIComponent(unitOfPartial.replaceAll('\u001d', '⟨GS⟩'))}`)
  t.match(byCode.body, { matched: 'code', rows: [{ sscc: partialSscc }] }, 'a unit code finds its box')
  const where = await operator.req('GET', `/api/find/code?q=${encodeURIComponent(unitOfPartial)}`)
  t.match(where.body.code, { state: 'AGGREGATED', box: { sscc: partialSscc }, job: { id: jobId } })
  t.match((await operator.req('GET', `/api/find/code?q=${encodeURIComponent(victim.code)}`)).body.code, { state: 'DEFECT', reason: 'REMOVED', box: null })
  t.ok(Array.isArray((await operator.req('GET', '/api/find/reports')).body.reports), 'the report queue')
  const noGismt = await operator.req('POST', '/api/find/code/gismt', { code: unitOfPartial })
  t.equal(noGismt.status, 503, 'no True API on this line: GIS MT cannot be asked')
  t.match(noGismt.body.error, { code: 'LC_ERR_FIND_GISMT' })

  // ---- the audit trail: who did what, when, and how it ended
  const audit = await engineer.req('GET', '/api/audit?limit=200')
  t.equal(audit.status, 200)
  const rows = audit.body.rows as Array<{ at: number, actor: string, role: string, action: string, detail: any, result: string, message: string | null }>
  const find = (actor: string, action: string, result: string) => rows.filter(r => r.actor === actor && r.action === action && r.result === result)
  t.equal(find('ivanov', 'unit:remove', 'forbidden').length, 1, 'the operator\'s refused removal is in the trail')
  t.match(find('petrova', 'unit:remove', 'ok'), [{ role: 'engineer', detail: { code: pasted } }], 'the removal: who and which code, as entered')
  t.equal(find('petrova', 'unit:remove', 'refused').length, 3, 'each refused removal with its reason')
  t.ok(find('petrova', 'unit:remove', 'refused').every(r => r.message === 'that code is not in the open box'))
  t.match(find('petrova', 'label:reprint', 'ok'), [{ detail: { sscc: reprinted.sscc } }], 'the reprint: who and which SSCC')
  t.equal(find('petrova', 'label:reprint', 'refused').length, 2, 'refused reprints (unknown and scrapped SSCC)')
  t.equal(find('petrova', 'label:reprint', 'invalid').length, 1, 'the reprint with a bad check digit')
  t.match(find('petrova', 'box:scrap', 'ok'), [{ detail: { sscc: scrapped.sscc, reason: 'короб раздавлен / crushed carton' } }])
  t.equal(find('petrova', 'box:scrap', 'refused').length, 2)
  t.equal(find('ivanov', 'box:scrap', 'forbidden').length, 1)
  t.equal(find('ivanov', 'box:close', 'ok').length, 1)
  t.ok(find('ivanov', 'pallet:close', 'ok').length <= 1, 'a pallet closed on request is in the trail')
  t.match(find('ivanov', 'box:close', 'refused'), [{ message: 'the open box is empty' }])
  const ours = rows.filter(r => r.actor === 'ivanov' || r.actor === 'petrova')
  t.ok(ours.length >= 15 && ours.every(r => r.at >= since && r.at <= Date.now()), 'every entry carries its time')
  // the line's own account, in the same rows of the one trail: what each operation did to codes and boxes
  const journal = rows.filter(r => r.action.startsWith('box:') || r.action === 'unit:remove' || r.action === 'label:reprint')
    .filter(r => r.result === 'ok' || r.result === 'refused').reverse() // the rows the line saw, oldest first
  const entry = (action: string) => journal.filter(j => j.action === action).map(j => ({ actor: j.actor, ...j.detail }))
  t.match(entry('unit:remove'), [{ actor: 'petrova', code: pasted, ok: true }, { ok: false }, { ok: false }, { ok: false }])
  t.match(entry('box:scrap'), [{ actor: 'petrova', sscc: scrapped.sscc, reason: 'короб раздавлен / crushed carton', units: UNITS_PER_BOX }, { units: 0 }, { sscc: noSuchSscc, units: 0 }])
  t.ok(journal.every(j => j.at > since && j.at <= Date.now()), 'with its time')
  t.match(entry('label:reprint'), [{ actor: 'petrova', sscc: reprinted.sscc, ok: true }, { sscc: noSuchSscc, ok: false }, { sscc: scrapped.sscc, ok: false }])
  t.equal(entry('label:reprint').length, 3)
  t.equal(entry('unit:remove').length, 4, 'refused by role or form: the line never saw it')
  t.match(entry('box:close'), [{ actor: 'ivanov', sscc: partialSscc }, { actor: 'ivanov', sscc: null }])
  t.equal((db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n, 0, 'one trail: nothing recorded a second time in the code store')

  // ---- resume and complete the job; let the OMS accept reports from now on
  oms.state.reportProcessingMs = 200
  // the removed unit and the scrapped box's units are reported as dropout: taken out of a utilisation report still
  // collecting and queued at once, or — their utilisation being already on its way here (the OMS is not processing
  // yet) — queued as soon as the OMS answered it, not left to the periodic sweep; then received by the OMS
  const inDropout = (id: number): boolean => db.prepare("SELECT 1 FROM report_codes WHERE code_id = ? AND kind = 'dropout'").get(id) !== undefined
  await waitFor('the dropout queued in the outbox', () => [victim.id, ...scrappedUnits].every(inDropout), 20_000)
  const droppedOut = [victim.id, ...scrappedUnits].map(id => codeRow(id).code)
  await waitFor('dropout of the removed and scrapped codes at the OMS', () => {
    const at = new Set(oms.dropped().map(d => d.code))
    return droppedOut.every(c => at.has(c))
  }, 20_000)
  t.pass('the OMS received the dropout of every removed and scrapped code')
  t.ok(oms.dropped().filter(d => droppedOut.includes(d.code)).every(d => d.reason === 'DEFECT'), 'as DEFECT')

  for (let i = 0; i < 50 && state() !== 'Execute'; i++) {
    await operator.req('POST', '/api/command', { command: 'unhold' })
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  t.equal(state(), 'Execute', 'the operator resumes')
  await waitFor('Complete', () => state() === 'Complete', 90_000)

  const c = rt.counters()
  const st = storeStates()
  t.equal(c.printed, QUANTITY)
  t.equal(c.printed, c.verified + c.rejected, 'printed = verified + rejected')
  t.equal(new Set(head.printed.map(p => p.code)).size, head.printed.length, 'no code printed twice')
  t.ok(line.pool.accounting().balanced, 'every code accounted for')
  t.equal(st.SENT + st.PRINTED + st.VERIFIED, 0, 'nothing left SENT, PRINTED or outside a box')
  const scrappedOrRemoved = scrappedUnits.length + 1
  t.equal(st.AGGREGATED + st.REPORTED, c.verified - scrappedOrRemoved, 'aggregated = verified − removed − scrapped')
  t.equal(st.DEFECT + st.DROPPED, c.rejected + scrappedOrRemoved, 'defect = rejected + removed + scrapped')
  const boxesNow = closedBoxes()
  t.equal(c.boxes, boxesNow.length, 'the box counter agrees with the store (a scrapped box is no box)')
  t.equal(rt.shiftReport(0, Date.now() + 1000).at(-1)!.boxes, c.boxes, 'the shift report agrees with the panel')
  t.equal(boxesNow.reduce((n, b) => n + b.n, 0), c.verified - scrappedOrRemoved, 'the closed boxes hold every good unit')
  for (const b of boxesNow) if (b.sscc !== reprinted.sscc) t.equal(labelsFor(b.sscc), 1, `one label for box ${b.sscc}`)
  t.equal(labelsFor(scrapped.sscc), 1, 'the scrapped box kept its single label')
  t.equal(labelsFor(reprinted.sscc), 2)

  // ---- once the OMS has accepted a box's aggregation, it can no longer simply be scrapped here
  await waitFor('the aggregation of the reprinted box accepted', () => boxUnits(reprinted.id).every(id => codeRow(id).state === 5), 60_000)
  const lateScrap = await engineer.req('POST', '/api/box/scrap', { sscc: reprinted.sscc, reason: 'found damaged later' })
  t.equal(lateScrap.status, 409, 'scrapping a reported box is refused')
  t.match(lateScrap.body.error.message, { ru: /уже принята.*расформирования/, en: /already accepted.*disaggregation/ }, 'saying why and what to do')
  t.ok(boxUnits(reprinted.id).every(id => codeRow(id).state === 5), 'its units stay REPORTED')
  t.equal(rt.counters().boxes, closedBoxes().length, 'and it is still counted')
})
