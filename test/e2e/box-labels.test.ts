// Box label checks on the whole line: a box camera (config role "box") reads every box label the line's label
// printer prints, through the simulated world over the line's broker, as a unit camera reports. Good labels pass;
// when the camera starts misreading (another character in the read), the next box fails its check: it is marked in
// the store and the operator sees a bilingual fault alarm naming its SSCC.
import t from 'tap'
import { runLine, startTestLine, waitFor } from '../helpers/line.ts'

t.test('a box camera checks each printed label; a misread marks the box and raises an alarm', async t => {
  const { line, world, config } = await startTestLine(t, {
    codes: 400,
    world: { camera: { mode: 'fast', noReadRate: 0 }, labelCamera: { noReadRate: 0 } },
    config: {
      cameras: [{ id: 'cam-1', role: 'unit', distance: 2, resultTimeoutMs: 1500 }, { id: 'cam-box', role: 'box' }],
      job: { group: 'water', gtin: '04601653030046', batch: 'BL-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 300, unitsPerBox: 6, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 1200 },
    },
  })
  const db = line.db
  const rt = line.runtime
  const checks = () => db.prepare("SELECT sscc, label_check AS c, label_reason AS r FROM containers WHERE level = 'box' AND state = 'closed' ORDER BY id").all() as Array<{ sscc: string, c: string | null, r: string | null }>
  await runLine(world, config, () => rt.snapshot().state.state)
  await waitFor('two box labels checked good', () => checks().filter(x => x.c === 'ok').length >= 2, 60_000)
  t.notOk(checks().some(x => x.c === 'failed'), 'no failure while the camera reads well')
  // the camera starts misreading every label
  await world.cameras.get('cam-box')!.setFaults({ ghostRate: 1 })
  await waitFor('a failed label check', () => checks().some(x => x.c === 'failed'), 60_000)
  const failed = checks().find(x => x.c === 'failed')!
  t.match(failed.r, /^(SSCC_MISMATCH|NOT_A_LABEL)$/)
  await waitFor('the alarm on the panel', () => rt.snapshot().alarms.some(a => a.code === 'LABEL_CHECK_FAILED' && a.active), 30_000)
  const alarm = rt.snapshot().alarms.find(a => a.code === 'LABEL_CHECK_FAILED' && a.message.en.includes(failed.sscc))
  t.ok(alarm !== undefined, 'the alarm names the SSCC of the box')
  t.equal(alarm?.severity, 'fault')
  t.match(alarm?.message.ru, /^Этикетка короба \d{18} не прошла проверку: /)
  t.match(alarm?.message.en, /^Box label \d{18} failed its check: /)
  t.ok(checks().filter(x => x.c === 'ok').length >= 2, 'the good ones stay good')
})
