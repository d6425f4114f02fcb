// kill -9 at random moments while a child hammers the pool: no code is ever handed out twice, and the
// accounting always adds up.
import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { CodeFactory, prng } from '../../sim/codes/factory.ts'
import { GTIN_A, GTIN_B } from '../helpers/pool.ts'
import { tempDir } from '../helpers/tmp.ts'

const KILLS = 22
// Large enough that the paced runs cannot drain it before their kill even on a fast machine: a run lasts
// 400 ms on average, four workers take 6.5 codes a cycle on average and a cycle is ≥ 8 ms, so ≤ 28,600 codes
// for all killed runs even if storage took no time at all.
const PER_GTIN = 20_000
const hammer = join(import.meta.dirname, '..', 'fixtures', 'pool-hammer.ts')

interface RunResult { reserved: number[][], recovered: number[], exited: 'killed' | 'empty' }

function runChild (path: string, seed: number, killAfterMs: number | null): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', hammer, path, String(seed), killAfterMs === null ? '0' : '8', GTIN_A, GTIN_B], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buf = ''
    let err = ''
    const reserved: number[][] = []
    let recovered: number[] = []
    let empty = false
    const onLine = (line: string): void => {
      if (line.startsWith('R ')) reserved.push(line.slice(2).split(',').map(Number))
      else if (line.startsWith('RECOVERED')) recovered = line.slice(10).split(',').filter(Boolean).map(Number)
      else if (line === 'READY' && killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      else if (line === 'EMPTY') empty = true
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1) }
      // a line cut by the kill is ignored: it was never completely told
    })
    child.stderr.on('data', d => { err += String(d) })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ reserved, recovered, exited: 'killed' })
      else if (code === 0 && empty) resolve({ reserved, recovered, exited: 'empty' })
      else reject(new Error(`hammer exited ${code} ${signal}: ${err}`))
    })
  })
}

t.test(`${KILLS} kill -9 at random moments: nothing reserved twice, accounting holds`, async t => {
  const dir = tempDir(t)
  const path = join(dir, 'line.db')
  {
    const db = openDatabase(path)
    const profiles = new ProfileRegistry()
    const pool = new CodePool(db, { profiles })
    const f = new CodeFactory(3)
    const exp = Date.now() + 30 * 86_400_000
    pool.importBlockSync({ blockId: 'a1', gtin: GTIN_A, group: 'water', expiresAt: exp, codes: f.raw(profiles.get('water'), GTIN_A, PER_GTIN) })
    pool.importBlockSync({ blockId: 'b1', gtin: GTIN_B, group: 'milk', expiresAt: exp, codes: f.raw(profiles.get('milk'), GTIN_B, PER_GTIN) })
    db.close()
  }
  const rand = prng(20261125)
  const told = new Map<number, number>()
  let duplicates = 0
  let kills = 0
  let recoveredTotal = 0
  for (let run = 0; run < KILLS + 1; run++) {
    const last = run === KILLS
    const r = await runChild(path, run + 1, last ? null : Math.floor(50 + rand() * 700))
    if (r.exited === 'killed') kills++
    recoveredTotal += r.recovered.length
    for (const batch of r.reserved) {
      for (const id of batch) {
        if (told.has(id)) duplicates++
        told.set(id, run)
      }
    }
    if (last) t.equal(r.exited, 'empty', 'the last run drains the pool')
  }
  t.equal(kills, KILLS, `${KILLS} runs were killed with SIGKILL (none drained the pool first)`)
  t.equal(duplicates, 0, 'no code was ever handed out twice')
  t.ok(recoveredTotal > 0, `codes left SENT by kills were recovered as UNCERTAIN (${recoveredTotal})`)

  const db = openDatabase(path)
  t.teardown(() => db.close())
  const pool = new CodePool(db, { profiles: new ProfileRegistry() })
  const acc = pool.accounting()
  t.ok(acc.balanced, 'emitted = sum of states for every GTIN')
  t.equal(acc.imported, 2 * PER_GTIN)
  const states = { ...acc.gtins[GTIN_A]!.states }
  for (const [k, v] of Object.entries(acc.gtins[GTIN_B]!.states)) states[k as keyof typeof states] += v
  t.equal(states.AVAILABLE, 0, 'drained')
  t.equal(states.SENT, 0, 'nothing left in flight')
  // every code that was told reserved is out of AVAILABLE; every code out of AVAILABLE was told (or recovered)
  const notAvailable = db.prepare('SELECT id, state, reason FROM codes WHERE state != 0').all() as Array<{ id: number, state: number, reason: string | null }>
  let untold = 0
  for (const row of notAvailable) if (!told.has(row.id) && row.reason !== 'UNCERTAIN') untold++
  t.equal(untold, 0, 'a code leaves AVAILABLE only through a reservation that was told, or ends UNCERTAIN')
  t.equal(told.size + notAvailable.filter(r => !told.has(r.id)).length, 2 * PER_GTIN)
})
