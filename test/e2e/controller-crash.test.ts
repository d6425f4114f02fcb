// kill -9 of the controller in the middle of a job, four times, against an external broker: after each restart
// the job resumes; at the end no code was printed twice and every code is accounted for.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker } from '../../broker/index.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { CodeFactory, prng } from '../../sim/codes/factory.ts'
import { SimWorld } from '../../sim/world.ts'
import { lineConfig, runLine, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

const KILLS = 4
const child = join(import.meta.dirname, '..', 'fixtures', 'line-child.ts')

function startController (configPath: string): Promise<{ proc: ChildProcess, recovered: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    proc.stderr?.on('data', d => { err += String(d) })
    proc.stdout?.setEncoding('utf8')
    proc.stdout?.on('data', (d: string) => {
      const m = /READY (\d+)/.exec(d)
      if (m !== null) resolve({ proc, recovered: Number(m[1]) })
    })
    proc.on('exit', code => reject(new Error(`controller exited ${code}: ${err}`)))
  })
}

t.test(`the controller killed ${KILLS} times mid-job resumes and accounts for every code`, async t => {
  const dir = tempDir(t)
  const base = lineConfig(dir, { job: { group: 'water', gtin: '04601653030046', batch: 'K-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 400, unitsPerBox: 12, boxesPerPallet: 10, minGrade: 'C', unitsPerMinute: 1500 } })
  const { world, config: withDevices } = await SimWorld.devices(base, { camera: { mode: 'fast', noReadRate: 0.02 } })
  t.teardown(() => world.close())
  const broker = await startBroker({ site: base.site, line: base.line, port: 0, users: [...withDevices.broker.users, { username: 'controller', password: withDevices.broker.password, role: 'controller' }], persistencePath: null })
  t.teardown(() => broker.close())
  const config = { ...withDevices, broker: { ...withDevices.broker, url: broker.url } }
  const configPath = join(dir, 'line.json')
  writeFileSync(configPath, JSON.stringify(config))
  {
    const db = openDatabase(config.store.path)
    const profiles = new ProfileRegistry()
    new CodePool(db, { profiles }).importBlockSync({ blockId: 'k1', gtin: '04601653030046', group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: new CodeFactory(11).raw(profiles.get('water'), '04601653030046', 3000) })
    db.close()
  }
  const conveyorState = () => world.conveyor?.lineState
  const rand = prng(7)
  let recovered = 0
  let attached = false
  let proc: ChildProcess | null = null
  t.teardown(() => { proc?.kill('SIGKILL') })
  for (let run = 0; run <= KILLS; run++) {
    const started = await startController(configPath)
    proc = started.proc
    recovered += started.recovered
    if (!attached) { await world.attach(config, broker.url); attached = true }
    await waitFor('Stopped after start', () => conveyorState() === 'Stopped')
    await runLine(world, config, conveyorState)
    if (run < KILLS) {
      await new Promise(resolve => setTimeout(resolve, 800 + rand() * 1500))
      proc.kill('SIGKILL')
      await waitFor('the will says Offline', () => conveyorState() === 'Offline')
      await waitFor('conveyor empty', () => world.conveyor!.onConveyor === 0, 10_000)
    } else {
      await waitFor('Complete', () => conveyorState() === 'Complete', 90_000)
      await waitFor('the last products left the conveyor', () => world.conveyor!.onConveyor === 0, 10_000)
      proc.kill('SIGTERM')
      await new Promise(resolve => proc!.once('exit', resolve))
    }
  }
  t.ok(recovered > 0, `codes of unknown fate were written off at restarts (${recovered})`)

  const head = world.heads.get('head-1')!
  const printed = head.printed.map(p => p.code)
  t.equal(new Set(printed).size, printed.length, `no code printed twice (${printed.length} prints)`)
  const db = openDatabase(config.store.path)
  t.teardown(() => db.close())
  const pool = new CodePool(db, { profiles: new ProfileRegistry() })
  const acc = pool.accounting()
  t.ok(acc.balanced, 'imported = sum of states')
  const st = acc.gtins['04601653030046']!.states
  t.equal(st.SENT, 0, 'nothing left SENT')
  t.equal(st.PRINTED, 0, 'nothing left PRINTED without a verdict')
  const stateOf = (code: string) => pool.findByIdentity(code.split('\u001d')[0]!)?.state
  const describe = (code: string) => { const r = pool.findByIdentity(code.split('\u001d')[0]!); return `${r?.id} ${r?.state} ${r?.reason} seq ${r?.seq}` }
  const conv = world.conveyor!.stats
  t.ok(conv.shippedCodes.length > 0)
  // A product that crosses the gate as the controller dies is settled by the PLC's gate confirmation, queued in
  // the broker for the controller's durable session and mapped back to its code by the store's seq column.
  t.same(conv.shippedCodes.filter(c => !['AGGREGATED', 'REPORTED'].includes(stateOf(c) ?? '')).map(describe), [], 'every shipped product carries an aggregated code')
  t.same(conv.rejectedCodes.filter(c => !['DEFECT', 'DROPPED'].includes(stateOf(c) ?? '')).map(describe), [], 'every rejected product carries a defect code')
  t.same(printed.filter(c => stateOf(c) === 'AVAILABLE'), [], 'no printed code went back to the pool')
  const verified = st.AGGREGATED + st.REPORTED + st.VERIFIED
  t.equal(verified, conv.shippedCodes.length, 'the store\'s good codes are exactly the shipped products')
})
