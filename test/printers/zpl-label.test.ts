// zpl-label driver against the ZPL printer simulator over TCP: confirmations, GS1 symbols read back, paper, faults.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import { buildSscc, GS } from '../../line/codes/index.ts'
import type { PrintDone } from '../../printers/types.ts'
import { codes, until, untilStatus, zplRig } from './rigs.ts'

// zxing-wasm fetches its .wasm from a CDN by default: load it from node_modules (domain note).
const wasmPath = fileURLToPath(new URL('../../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm', import.meta.url))
const wasm = readFileSync(wasmPath)
prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer }, fireImmediately: true })

function collect (p: { on(e: 'printed', f: (d: PrintDone) => void): unknown }): PrintDone[] {
  const done: PrintDone[] = []
  p.on('printed', d => done.push(d))
  return done
}

t.test('a unit label carries a GS1 DataMatrix that reads back as ]d2 with the exact code', async t => {
  const rig = await zplRig(t)
  const done = collect(rig.zpl)
  const [item] = codes(1, 3, 'lp')
  await rig.zpl.load([item!])
  await until(() => done.length === 1, 'confirmation')
  const label = rig.sim.printed[0]!
  t.equal(label.barcodes[0]?.type, 'datamatrix')
  t.equal(label.barcodes[0]?.gs1, true, 'leading _1 is FNC1')
  t.equal(label.barcodes[0]?.data, item!.code, 'GS separators round-trip through _1')
  t.match(label.texts.join(' '), /^\(01\)\d{14}\(21\)/)
  const [read] = await readBarcodes(new Uint8Array(await rig.sim.png(label)), { textMode: 'Plain', formats: ['DataMatrix'] })
  t.equal(read?.symbologyIdentifier, ']d2')
  t.equal(read?.text, item!.code)
  t.ok(item!.code.includes(GS), 'the lp code has GS-separated crypto fields')
})

t.test('a box label prints the SSCC as GS1-128 and DataMatrix and resolves when confirmed', async t => {
  const rig = await zplRig(t)
  const sscc = buildSscc(0, '4601653', 42).digits
  await rig.zpl.printSscc!({ sscc, level: 'box', gtin: '04601653030048', count: 12, batch: 'B-7', lines: ['Молоко 1 л'] })
  const label = rig.sim.printed[0]!
  const gs1128 = label.barcodes.find(b => b.type === 'gs1-128')
  const dm = label.barcodes.find(b => b.type === 'datamatrix')
  t.equal(gs1128?.data, `00${sscc}`)
  t.ok(dm?.gs1)
  t.equal(dm?.data.slice(0, 20), `00${sscc}`)
  t.ok(label.texts.some(x => x.includes('КОРОБ / BOX')))
  const [read] = await readBarcodes(new Uint8Array(await rig.sim.png(label, label.barcodes.indexOf(gs1128!))), { textMode: 'Plain', formats: ['Code128'] })
  t.equal(read?.symbologyIdentifier, ']C1', 'GS1-128')
  t.equal(read?.text, `00${sscc}`)
})

t.test('the roll runs out: silence on ~HS is a fault, the pending label is confirmed once paper is back', async t => {
  const rig = await zplRig(t, { timeoutMs: 150 })
  rig.sim.labelsLeft = 2
  const done = collect(rig.zpl)
  await rig.zpl.load(codes(3))
  await until(() => done.length === 2, 'two labels')
  const s = await untilStatus(rig.zpl, s => s.state === 'fault', 'fault on silence')
  t.same(s.faults, ['head-error'])
  t.match(s.detail, /~HS/)
  t.equal(rig.zpl.room(), 0)
  t.equal(done.length, 2, 'the third label is not confirmed while the printer is silent')
  rig.sim.setPaperOut(false)
  await until(() => done.length === 3, 'third label after reload')
  await untilStatus(rig.zpl, s => s.state === 'ready', 'ready')
  t.same(done.map(d => d.item.id), [1, 2, 3])
  t.equal(rig.sim.printed.length, 3, 'nothing printed twice')
})

t.test('pause and head-open raise their faults; labels wait on the host', async t => {
  const rig = await zplRig(t, { timeoutMs: 150 })
  rig.sim.setPaused(true)
  await untilStatus(rig.zpl, s => s.faults.includes('paused'), 'paused')
  await rig.zpl.load(codes(2))
  await new Promise(resolve => setTimeout(resolve, 60))
  t.equal(rig.sim.printed.length, 0)
  t.equal(rig.zpl.status().bufferLevel, 2)
  rig.sim.setPaused(false)
  await until(() => rig.sim.printed.length === 2, 'printed after unpause')
  rig.sim.setHeadOpen(true)
  await untilStatus(rig.zpl, s => s.faults.includes('head-error'), 'silent printer with the head open')
  rig.sim.setHeadOpen(false)
  await untilStatus(rig.zpl, s => s.state === 'ready', 'ready')
})

t.test('a printer that drops the link mid-label: the label is uncertain, never reprinted, the driver reconnects', async t => {
  const rig = await zplRig(t)
  const done = collect(rig.zpl)
  rig.sim.misbehaviour = { mode: 'disconnect-mid-label' }
  await rig.zpl.load(codes(2))
  await untilStatus(rig.zpl, s => s.faults.includes('comms-lost') || rig.sim.printed.length > 0, 'comms-lost')
  await untilStatus(rig.zpl, s => s.state === 'ready', 'reconnected')
  await until(() => done.length === 1, 'the next label prints')
  t.equal(done[0]?.item.id, 2)
  const r = await rig.zpl.clear()
  t.same(r.uncertain.map(i => i.id), [1], 'the label cut off mid-send is uncertain')
  t.same(r.unprinted, [])
  t.equal(rig.sim.printed.length, 1)
})

t.test('garbage instead of a status answer is a bad-response fault, not a crash', async t => {
  const rig = await zplRig(t, { timeoutMs: 150 })
  rig.sim.misbehaviour = { mode: 'garbage' }
  await untilStatus(rig.zpl, s => s.faults.includes('bad-response'), 'bad-response')
  rig.sim.misbehaviour = undefined
  await untilStatus(rig.zpl, s => s.state === 'ready', 'ready again')
})
