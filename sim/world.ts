// The simulated world around one line controller: print-head and label-printer simulators on the configured
// ports, cameras and the PLC/conveyor on the line's broker. Used by `npm start`, scenarios and whole-line tests.

import type { MqttClient } from 'mqtt'
import { connectMqtt, endMqtt, waitConnected } from '../broker/index.ts'
import type { LineConfig } from '../line/config/schema.ts'
import type { CameraScenarioInput } from './camera/scenario.ts'
import { SimCamera } from './camera/camera.ts'
import { Conveyor, type ConveyorHead } from './line/conveyor.ts'
import { loadHeadMap } from '../printers/modbus-head/head-map.ts'
import { ModbusPlcPort } from './line/plc-modbus.ts'
import { MqttPlcPort, type PlcPort } from './line/plc-port.ts'
import { ModbusHeadSim, type ModbusHeadSimOptions } from './printers/modbus-head.ts'
import { ZplPrinterSim, type PrintedLabel } from './printers/zpl-printer.ts'

export interface WorldOptions {
  /** Camera behaviour for unit cameras (image or fast mode, defects, faults). */
  camera?: CameraScenarioInput
  /**
   * Behaviour of box/pallet label cameras (fast mode): noReadRate misses labels, ghostRate reads a changed character
   * (another SSCC, or no SSCC at all). Each reads the labels its level's label printer printed, in printing order.
   */
  labelCamera?: CameraScenarioInput
  head?: ModbusHeadSimOptions
  seed?: number
  now?: () => number
  /**
   * The pre-applied mode (docs/modes.md): the packs come printed, each with the next code of this roll; a code the
   * roll says is not `legible` (a smudged print) is on its pack, but the unit cameras read nothing there.
   */
  roll?: ConveyorHead & { legible?(code: string): boolean }
}

/** Logins the simulated PLC and cameras use on the line's broker. */
export function withSimUsers (config: LineConfig): LineConfig {
  const users = [...config.broker.users]
  const add = (u: (typeof users)[number]): void => { if (!users.some(x => x.username === u.username)) users.push(u) }
  add({ username: 'plc', password: 'plc-sim', role: 'plc' })
  for (const c of config.cameras) add({ username: c.id, password: `${c.id}-sim`, role: 'camera', deviceId: c.id })
  return { ...config, broker: { ...config.broker, users } }
}

export class SimWorld {
  readonly heads = new Map<string, ModbusHeadSim>()
  readonly labelPrinters = new Map<string, ZplPrinterSim>()
  readonly cameras = new Map<string, SimCamera>()
  conveyor: Conveyor | null = null
  readonly #clients: MqttClient[] = []
  readonly #o: WorldOptions

  private constructor (options: WorldOptions) { this.#o = options }

  /**
   * Start a simulator for every configured printer on its TCP port (port 0: any free port) and return the config
   * pointed at the ports actually used, with logins for the simulated PLC and cameras.
   */
  static async devices (config: LineConfig, options: WorldOptions = {}): Promise<{ world: SimWorld, config: LineConfig }> {
    const world = new SimWorld(options)
    const printers = []
    for (const p of config.printers) {
      if (p.transport.kind !== 'tcp') { printers.push(p); continue }
      if (p.driver === 'modbus-head') {
        const sim = new ModbusHeadSim({ map: loadHeadMap(p.map), capacity: Math.max(256, p.bufferDepth * 2), ...options.head })
        const port = await sim.listenTcp(p.transport.port, '127.0.0.1')
        world.heads.set(p.id, sim)
        printers.push({ ...p, transport: { ...p.transport, host: '127.0.0.1', port } })
      } else {
        const sim = new ZplPrinterSim()
        const port = await sim.listenTcp(p.transport.port, '127.0.0.1')
        world.labelPrinters.set(p.id, sim)
        printers.push({ ...p, transport: { ...p.transport, host: '127.0.0.1', port } })
      }
    }
    return { world, config: withSimUsers({ ...config, printers }) }
  }

  /** Connect cameras and the PLC to the line's broker and start the conveyor. */
  async attach (config: LineConfig, brokerUrl: string): Promise<void> {
    const now = this.#o.now ?? (() => Date.now())
    const login = (username: string, password: string, clientId: string): Promise<MqttClient> => {
      const c = connectMqtt({ url: brokerUrl, username, password, clientId })
      this.#clients.push(c)
      return waitConnected(c).then(() => c)
    }
    for (const cam of config.cameras) {
      const client = await login(cam.id, `${cam.id}-sim`, `sim-${cam.id}-${process.pid}`)
      const sim = new SimCamera({ id: cam.id, site: config.site, line: config.line, client, clock: { now }, scenario: cam.role === 'unit' ? (this.#o.camera ?? {}) : { mode: 'fast', ...this.#o.labelCamera }, seed: this.#o.seed ?? 1 })
      await sim.start()
      this.cameras.set(cam.id, sim)
      if (cam.role !== 'unit') this.#readLabels(config, cam.role, sim)
    }
    // the PLC on the line's broker (docs/plc-mqtt.md), or the Modbus TCP client of the controller (docs/plc-modbus.md)
    const t = config.plc.transport
    const plc: PlcPort = t.kind === 'modbus-tcp'
      ? new ModbusPlcPort({ host: t.host === '0.0.0.0' ? '127.0.0.1' : t.host, port: t.port, unitId: t.unitId, timeoutMs: t.timeoutMs })
      : new MqttPlcPort({ client: await login('plc', 'plc-sim', `sim-plc-${process.pid}`), site: config.site, line: config.line })
    // what marks the products: the first head, or in the label mode (docs/modes.md) the print-and-apply label printer
    const applicator = config.printers.find(p => p.driver === 'zpl-label' && p.role === 'unit' && p.applicator)
    const labelMode = config.job?.mode === 'label' || (config.job?.mode === undefined && this.heads.size === 0 && applicator !== undefined)
    const preapplied = config.job?.mode === 'preapplied'
    const head = preapplied ? this.#o.roll : labelMode && applicator !== undefined ? this.labelPrinters.get(applicator.id) : [...this.heads.values()][0]
    if (head === undefined) throw new Error(preapplied ? 'the simulated pre-applied line needs a roll of printed packs (WorldOptions.roll)' : labelMode ? 'the simulated label line needs a print-and-apply label printer' : 'the simulated line needs a Modbus print head')
    this.conveyor = new Conveyor({
      plc,
      head,
      cameras: config.cameras.filter(c => c.role === 'unit').map(c => {
        const sim = this.cameras.get(c.id) as SimCamera
        const legible = (code: string | null): string | null => code !== null && preapplied && this.#o.roll?.legible?.(code) === false ? null : code
        return { id: c.id, distance: c.distance, trigger: (seq: number, printed: string | null, ts?: number) => sim.trigger(seq, legible(printed), ts) }
      }),
      rejectDistance: config.plc.rejectDistance,
      failSafe: config.plc.failSafe,
      unitsPerMinute: config.job?.unitsPerMinute ?? 300,
      now,
    })
    await this.conveyor.start()
  }

  /**
   * A label camera after the box/pallet label printer: every SSCC label of its level that comes out is read as
   * printed (its DataMatrix: SSCC, GTIN, count), with the camera's faults. A pallet label says PALLET in its title.
   */
  #readLabels (config: LineConfig, level: 'box' | 'pallet', cam: SimCamera): void {
    let seq = 0
    for (const p of config.printers) {
      const printer = p.driver === 'zpl-label' && p.role !== 'unit' ? this.labelPrinters.get(p.id) : undefined
      printer?.on('printed', (label: PrintedLabel) => {
        const sscc = label.barcodes.find(b => b.type === 'gs1-128' && /^00\d{18}$/.test(b.data))
        if (sscc === undefined) return
        if ((label.texts.some(t => t.includes('PALLET')) ? 'pallet' : 'box') !== level) return
        const dm = label.barcodes.find(b => b.type === 'datamatrix')
        const n = ++seq
        // applied and carried to the reader: a moment after printing
        setTimeout(() => { void cam.trigger(n, dm?.data ?? sscc.data) }, 200).unref()
      })
    }
  }

  /** Send a command as the PLC's hard buttons would. */
  async command (_config: LineConfig, cmd: string): Promise<void> {
    await this.conveyor?.plc.command(cmd)
  }

  async close (): Promise<void> {
    this.conveyor?.stop()
    await this.conveyor?.plc.stop()
    for (const cam of this.cameras.values()) cam.stop()
    for (const c of this.#clients) await endMqtt(c, true)
    for (const h of this.heads.values()) await h.close()
    for (const z of this.labelPrinters.values()) await z.close()
  }
}
