// The PLC contract (contract.ts) over Modbus TCP: the controller's ModbusPlc server on a free loopback port and the
// simulated PLC's ModbusPlcPort client (sim/line/plc-modbus.ts, written from docs/plc-modbus.md). Then what only
// Modbus has: register-level refusals, a retried write, the epoch.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import type { ModbusRTU as Client } from 'modbus-serial/ModbusRTU.js'
import modbusSerial from 'modbus-serial'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { systemClock } from '../../../line/clock.ts'
import type { AlarmView } from '../../../line/control.ts'
import { ModbusPlc } from '../../../line/plc/modbus-plc.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { ModbusPlcPort } from '../../../sim/line/plc-modbus.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { plcContract, seenRecorder, until, type ContractRig } from './contract.ts'

const ModbusRTU = modbusSerial as unknown as new () => Client
const HEARTBEAT_MS = 50
const TIMEOUT_MS = 500

async function rawClient (t: Test, port: number): Promise<Client> {
  const c = new ModbusRTU()
  await c.connectTCP('127.0.0.1', { port })
  c.setID(1)
  c.setTimeout(2000)
  t.teardown(() => new Promise<void>(resolve => c.close(() => resolve())))
  return c
}

async function rig (t: Test, options: { device?: boolean } = {}) {
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const alarms = new AlarmBook(db, { clock: systemClock, log: pino({ level: 'silent' }) })
  const raised: AlarmView[] = []
  alarms.on('alarm', a => raised.push(a))
  const plc = new ModbusPlc({ host: '127.0.0.1', port: 0, unitId: 255, heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS, log: pino({ level: 'silent' }), alarms })
  await plc.start()
  t.teardown(() => plc.close())
  const device = new ModbusPlcPort({ host: '127.0.0.1', port: plc.port, cycleMs: 10, timeoutMs: TIMEOUT_MS })
  const { seen, handlers } = seenRecorder()
  if (options.device !== false) {
    await device.start(handlers)
    t.teardown(() => device.stop())
    await until(() => device.connected, 'the simulated PLC synchronised')
  }
  return { plc, device, seen, raised, alarms }
}

plcContract(t, 'Modbus TCP', async (t): Promise<ContractRig> => {
  const r = await rig(t)
  return {
    plc: r.plc, device: r.device, seen: r.seen, alarms: r.raised,
    garbageAlarm: 'PLC_MODBUS_WRITE',
    garbage: async () => {
      const raw = await rawClient(t, r.plc.port)
      const refused = async (p: Promise<unknown>, code: number): Promise<void> => {
        const err = await p.then(() => null, (e: { modbusCode?: number }) => e)
        if (err?.modbusCode !== code) throw new Error(`expected exception ${code}, got ${JSON.stringify(err)}`)
      }
      await refused(raw.writeRegisters(5, [1, 2]), 2) // reserved holding registers
      await refused(raw.writeRegister(16, 1), 3) // FC06 into the event mailbox
      await refused(raw.writeRegisters(16, [1, 2, 3]), 3) // part of a record
      await refused(raw.writeRegisters(16 + 5 * 10, [10 + 64 * 3, 1, 0, 1, 0]), 3) // far ahead of EVENT_ACK
      // records of a faulty PLC program, numbered correctly: consumed (the mailbox goes on) but refused
      r.device.injectRecord(9, 1, 0) // no such kind
      r.device.injectRecord(2, 5, 7) // gate with arg 7
      r.device.injectRecord(3, 0, 42) // no such command
      return 7
    },
    killController: () => r.plc.close(),
    cutPlcLink: async ms => { r.device.cut(ms) },
    freezePlc: frozen => { r.device.frozen = frozen },
    isActive: code => r.alarms.isActive(code as 'PLC_LOST', 'plc'),
  }
}, { plcHeartbeat: true })

t.test('Modbus TCP: a repeated event write (a retry after a lost answer) is ignored, never delivered twice', async t => {
  const r = await rig(t, { device: false })
  t.not(r.plc.port, 502, 'port 0 is any free port, not the Modbus default')
  const raw = await rawClient(t, r.plc.port)
  const got: number[] = []
  r.plc.on('trigger', x => got.push(x.seq))
  const ir = (await raw.readInputRegisters(0, 100)).data
  t.equal(ir[0], 1, 'map version 1')
  t.equal(ir[9], HEARTBEAT_MS)
  t.equal(ir[10], TIMEOUT_MS)
  const epoch = ir[1] as number
  // before the PLC took the epoch, events are refused with exception 04, and nothing is counted against it
  const early = await raw.writeRegisters(16 + 5, [1, 1, 0, 42, 0]).then(() => null, (e: { modbusCode?: number }) => e.modbusCode)
  t.equal(early, 4, 'events before the epoch handshake: exception 04')
  await raw.writeRegisters(0, [1, 0, epoch])
  await raw.writeRegisters(16 + 5, [1, 1, 0, 42, 0, 2, 1, 1, 0, 0]) // events 1 and 2 in slots 1 and 2
  await raw.writeRegisters(16 + 5, [1, 1, 0, 42, 0, 2, 1, 1, 0, 0]) // the same again
  await raw.writeRegisters(16 + 15, [3, 1, 1, 1, 0])
  await until(() => got.length === 3, 'three triggers')
  t.same(got, [42, 65536, 65537], 'each once, seq high word first')
  t.equal((await raw.readInputRegisters(3, 1)).data[0], 3, 'EVENT_ACK')
  t.equal(r.plc.stats.invalid, 0)
})

t.test('Modbus TCP: the verdict mailbox holds 16; the rest wait in order until the PLC acknowledges', async t => {
  const r = await rig(t, { device: false })
  const raw = await rawClient(t, r.plc.port)
  const epoch = (await raw.readInputRegisters(1, 1)).data[0] as number
  await raw.writeRegisters(0, [1, 0, epoch])
  let confirmed = 0
  for (let i = 0; i < 20; i++) r.plc.reject(100 + i, 'LOW_GRADE').then(() => { confirmed++ }, () => {}) // the unconfirmed fail at close
  await new Promise(resolve => setTimeout(resolve, 100))
  const ir = (await raw.readInputRegisters(0, 100)).data
  t.equal(ir[4], 16, 'VERDICT_COUNT: the mailbox is full')
  t.same(ir.slice(16 + 4, 16 + 8), [1, 0, 100, 3], 'verdict 1 in slot 1: seq 100, LOW_GRADE = 3')
  t.equal(confirmed, 0, 'nothing confirmed before VERDICT_ACK')
  await t.rejects(raw.writeRegisters(1, [17]), 'VERDICT_ACK ahead of VERDICT_COUNT is refused')
  await raw.writeRegisters(0, [2, 10, epoch])
  await until(() => confirmed === 10, 'ten confirmed')
  t.equal((await raw.readInputRegisters(4, 1)).data[0], 20, 'the four waiting moved in')
  t.equal(r.plc.stats.invalid, 1)
})
