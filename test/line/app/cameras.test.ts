// The cameras as the line sees them: unit results to the tracker, online state, holds, blockers and tiles.
import t from 'tap'
import { Cameras } from '../../../line/app/cameras.ts'
import { linkViews, printersByRole } from '../../../line/app/devices.ts'
import { LineBus } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import { lineConfig } from '../../helpers/line.ts'
import { tempDir } from '../../helpers/tmp.ts'
import type { Printer } from '../../../printers/types.ts'
import type { VerificationResult } from '../../../verifiers/types.ts'

function setup (t: { teardown(fn: () => void): void }) {
  const bus = new LineBus()
  const results: VerificationResult[] = []
  const faults: Array<[string, string]> = []
  const raised: string[] = []
  const cleared: Array<[string, string]> = []
  let refreshes = 0
  const cameras = new Cameras({
    bus, cameras: [{ id: 'cam-1', role: 'unit' }, { id: 'cam-box', role: 'box' }],
    tracker: { onResult: r => results.push(r) },
    alarms: { raise: a => { raised.push(`${a.code}:${a.source}`); return 1 }, clear: (code, source) => { cleared.push([code, source]) } },
    fault: (kind, _m, source) => faults.push([kind, source]),
    refreshStatus: async () => { refreshes++ },
    log: silentLogger(),
    refreshMs: 10,
  })
  t.teardown(() => cameras.stop())
  return { bus, cameras, results, faults, raised, cleared, refreshes: () => refreshes }
}

const result = (camera: string, seq: number): VerificationResult => ({ camera, seq, ts: 0, code: 'c', grade: 'A', receivedAt: 0 })

t.test('results of unit cameras reach the tracker; box camera results do not', async t => {
  const s = setup(t)
  s.bus.emit('camera:result', result('cam-1', 1))
  s.bus.emit('camera:result', result('cam-box', 2))
  t.same(s.results.map(r => r.seq), [1])
})

t.test('a unit camera offline holds the line and blocks a start; back online clears the fault', async t => {
  const s = setup(t)
  t.same(s.cameras.blockers(), [])
  t.same(s.cameras.views().map(v => [v.id, v.state]), [['cam-1', 'offline'], ['cam-box', 'offline']], 'not yet heard of: offline')
  s.bus.emit('camera:status', { camera: 'cam-box', online: false })
  t.same(s.faults, [], 'a box camera offline holds nothing')
  s.bus.emit('camera:status', { camera: 'cam-1', online: false })
  t.same(s.faults, [['camera', 'cam-1']])
  t.same(s.cameras.blockers(), [{ ru: 'камера cam-1 не в сети', en: 'camera cam-1 offline' }])
  s.bus.emit('camera:status', { camera: 'cam-1', online: true })
  t.same(s.cleared, [['FAULT_CAMERA', 'cam-1']])
  t.same(s.cameras.blockers(), [])
  t.same(s.cameras.views().map(v => [v.id, v.online, v.state, v.detail]), [['cam-1', true, 'ok', 'unit'], ['cam-box', false, 'offline', 'box']])
  t.same(s.cameras.views().map(v => v.facts), [[{ key: 'role', value: 'unit' }], [{ key: 'role', value: 'box' }]])
})

t.test('while a unit camera is offline its status is re-read; not otherwise', async t => {
  const s = setup(t)
  s.cameras.start()
  await new Promise(resolve => setTimeout(resolve, 40))
  t.equal(s.refreshes(), 0, 'all well: no re-read')
  s.bus.emit('camera:status', { camera: 'cam-1', online: false })
  await new Promise(resolve => setTimeout(resolve, 60))
  t.ok(s.refreshes() >= 2, `${s.refreshes()} re-reads`)
})

t.test('an invalid camera result is alarmed', async t => {
  const s = setup(t)
  s.bus.emit('camera:invalid', { camera: 'cam-1', topic: 't', payload: '{', error: 'not JSON' })
  t.same(s.raised, ['CAMERA_PAYLOAD:cam-1'])
  // cameras the config does not name share one alarm, whatever their number
  for (const id of ['fake1', 'fake2', 'cam-box']) s.bus.emit('camera:invalid', { camera: null, topic: `s/l/cam/${id}/status`, payload: '{}', error: `status from unknown camera "${id}"`, unknownCamera: id })
  t.same(s.raised.slice(1), ['CAMERA_UNKNOWN:camera', 'CAMERA_UNKNOWN:camera', 'CAMERA_UNKNOWN:camera'], 'under one source: the alarm book keeps one active')
})

t.test('printer roles come from the config: heads print units, the first box/pallet label printer prints SSCCs', async t => {
  const config = lineConfig(tempDir(t), {
    printers: [
      { id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port: 0 } },
      { id: 'unit-label', driver: 'zpl-label', role: 'unit', transport: { kind: 'tcp', port: 0 } },
      { id: 'pallet-label', driver: 'zpl-label', role: 'pallet', transport: { kind: 'tcp', port: 0 } },
      { id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } },
    ],
  })
  const printers = config.printers.map(p => ({ id: p.id }) as Printer)
  const roles = printersByRole(config.printers, printers)
  t.same(roles.unit.map(p => p.id), ['head-1', 'unit-label'])
  t.equal(roles.label?.id, 'pallet-label')
})

t.test('link tiles and blockers: broker, cameras, PLC', async t => {
  let connected = false
  const v = linkViews({
    broker: { connected: () => connected, detail: 'mqtt://x' },
    plc: { stats: { commands: 0, triggers: 3, rejects: 1, accepts: 0, gates: 0, invalid: 0 } },
    cameras: { views: () => [], blockers: () => [{ ru: 'к', en: 'c' }] },
  })
  t.same(v.blockers(), [{ ru: 'нет связи с брокером MQTT', en: 'MQTT broker not connected' }, { ru: 'к', en: 'c' }])
  connected = true
  t.same(v.blockers(), [{ ru: 'к', en: 'c' }])
  t.same(v.devices(), [
    { id: 'broker', kind: 'broker', online: true, state: 'ok', detail: 'mqtt://x', facts: [{ key: 'address', value: 'mqtt://x' }], note: null },
    { id: 'plc', kind: 'plc', online: true, state: 'ok', detail: 'triggers 3, rejects 1', facts: [{ key: 'triggers', value: 3 }, { key: 'rejects', value: 1 }], note: null },
  ])
})
