// The shared printer contract (MQTT.js abstract_client style): every driver, over every transport, must pass it.
import type { Test } from 'tap'
import { PrinterOfflineError } from '../../printers/errors.ts'
import type { PrintDone } from '../../printers/types.ts'
import { codes, type PrinterRig, until } from './rigs.ts'

export function printerContract (t: Test, name: string, make: (t: Test) => Promise<PrinterRig>): void {
  t.test(`${name}: connects and reports ready with room to fill`, async t => {
    const rig = await make(t)
    const s = rig.printer.status()
    t.equal(s.state, 'ready')
    t.same(s.faults, [])
    t.ok(rig.printer.room() > 0, 'room() > 0 on an empty buffer')
  })

  t.test(`${name}: load → print → one confirmation per code, in order`, async t => {
    const rig = await make(t)
    const items = codes(5)
    const done: PrintDone[] = []
    rig.printer.on('printed', (d: PrintDone) => done.push(d))
    await rig.printer.load(items)
    await rig.print(5)
    await until(() => done.length === 5, '5 confirmations')
    t.same(done.map(d => d.item.id), [1, 2, 3, 4, 5])
    t.same(rig.printedCodes(), items.map(i => i.code), 'the device printed exactly these codes, in order')
    t.ok(done.every(d => d.printer === rig.printer.id))
    await new Promise(resolve => setTimeout(resolve, 30))
    t.equal(done.length, 5, 'no duplicate confirmations')
    t.equal(rig.printer.status().printed, 5)
  })

  t.test(`${name}: clear() accounts for every loaded code exactly once`, async t => {
    const rig = await make(t)
    await rig.hold()
    const items = codes(4, 11)
    const done: PrintDone[] = []
    rig.printer.on('printed', (d: PrintDone) => done.push(d))
    await rig.printer.load(items)
    const r = await rig.printer.clear()
    const all = [...done.map(d => d.item), ...r.printed, ...r.unprinted, ...r.uncertain].map(i => i.id).sort()
    t.same(all, [1, 2, 3, 4], 'each code exactly once across printed / unprinted / uncertain')
    await rig.release()
    await rig.print(4)
    await new Promise(resolve => setTimeout(resolve, 50))
    const physically = new Set(rig.printedCodes())
    for (const u of r.unprinted) t.notOk(physically.has(u.code), `unprinted code ${u.id} never comes out`)
    t.equal(rig.printer.status().bufferLevel, 0)
  })

  t.test(`${name}: after close, load is refused with a typed error and status is disconnected`, async t => {
    const rig = await make(t)
    await rig.printer.close()
    t.equal(rig.printer.status().state, 'disconnected')
    const err = await rig.printer.load(codes(1)).catch((e: unknown) => e)
    t.ok(err instanceof PrinterOfflineError)
    t.equal((err as PrinterOfflineError).code, 'LC_ERR_PRINTER_OFFLINE')
  })
}
