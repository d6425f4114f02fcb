// The PLC contract (contract.ts) over MQTT: the controller's MqttPlc and the simulated PLC's MqttPlcPort on a real
// embedded broker (aedes on a free loopback port), each with its own login; the controller's will says Offline.
import t from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { systemClock } from '../../../line/clock.ts'
import type { AlarmView } from '../../../line/control.ts'
import { MqttPlc } from '../../../line/plc/mqtt-plc.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { MqttPlcPort } from '../../../sim/line/plc-port.ts'
import { brokerFixture, client, publish } from '../../broker/helpers.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { plcContract, seenRecorder, type ContractRig } from './contract.ts'

plcContract(t, 'MQTT', async (t): Promise<ContractRig> => {
  const b = await brokerFixture(t)
  const will = { topic: 's1/l1/state', payload: Buffer.from(JSON.stringify({ state: 'Offline', number: -1 })), qos: 1 as const, retain: true }
  const ctl = await client(t, b.url, 'controller', 'c-secret', { reconnectPeriodMs: 0, will })
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const alarms = new AlarmBook(db, { clock: systemClock, log: pino({ level: 'silent' }) })
  const raised: AlarmView[] = []
  alarms.on('alarm', a => raised.push(a))
  const plc = new MqttPlc({ client: ctl, site: 's1', line: 'l1', log: pino({ level: 'silent' }), alarms })
  await plc.start()
  const plcClient = await client(t, b.url, 'plc', 'plc-secret')
  const device = new MqttPlcPort({ client: plcClient, site: 's1', line: 'l1' })
  const { seen, handlers } = seenRecorder()
  await device.start(handlers)
  t.teardown(() => device.stop())
  return {
    plc, device, seen, alarms: raised,
    garbageAlarm: 'PLC_PAYLOAD',
    garbage: async () => {
      const bad: Array<[string, string]> = [['plc/trigger', 'not json'], ['plc/cmd', '{"cmd":"explode"}'], ['plc/trigger', '{"seq":-1}'], ['plc/gate', '{"seq":3}']]
      for (const [topic, payload] of bad) await publish(plcClient, `s1/l1/${topic}`, payload)
      return bad.length
    },
    // the stream cut without DISCONNECT: the broker publishes the controller's will
    killController: async () => { (ctl as unknown as { stream: { destroy(): void } }).stream.destroy() },
    // the PLC's stream cut without DISCONNECT; mqtt.js reconnects after its reconnect period, held at `ms` for this once
    cutPlcLink: async ms => {
      const options = plcClient.options as { reconnectPeriod?: number }
      const period = options.reconnectPeriod
      options.reconnectPeriod = ms
      plcClient.once('connect', () => { options.reconnectPeriod = period })
      ;(plcClient as unknown as { stream: { destroy(): void } }).stream.destroy()
    },
    isActive: code => alarms.isActive(code as 'PLC_LOST', 'plc'),
  }
}, { plcHeartbeat: false })
