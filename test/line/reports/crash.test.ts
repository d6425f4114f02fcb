import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { systemClock } from '../../../line/clock.ts'
import { ReportOutbox, type ReportSender } from '../../../line/reports/index.ts'
import { startTrueApiEmulator } from '../../../sim/gismt/server.ts'
import { boxedCodes } from './fixture.ts'
import { poolFixture } from '../../helpers/pool.ts'

type Tap = Test

const CHILD = fileURLToPath(new URL('./outbox-child.ts', import.meta.url))

function runChild (t: { teardown(fn: () => void): void }, dbPath: string, url: string): { child: ChildProcess, lines: string[], exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath, url], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const lines: string[] = []
  let buf = ''
  child.stdout?.on('data', (b: Buffer) => { buf += b.toString(); const parts = buf.split('\n'); buf = parts.pop() ?? ''; lines.push(...parts) })
  child.stderr?.on('data', (b: Buffer) => process.stderr.write(b))
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, lines, exited }
}

async function waitFor (cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

async function scenario (t: Tap, mode: 'slow' | 'hang') {
  const f = poolFixture(t)
  f.clock.set(Date.now())
  const emu = await startTrueApiEmulator({ clock: systemClock })
  t.teardown(() => emu.close())
  const { ids, identities } = await boxedCodes(f, 'b1', 500, 20)
  emu.registerCodes(identities)
  // The parent writes the reports (as the line would) and closes its store; the child sends them.
  const placeholder: ReportSender = { channel: 'true-api', prepare: async () => ({ hash: '', payload: null }), submit: async () => '', status: async () => ({ state: 'pending' }), reconcile: async () => undefined }
  const writer = new ReportOutbox({ pool: f.pool, clock: f.clock, senders: { aggregation: placeholder } })
  for (let i = 0; i < 5; i++) await writer.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(i * 100, (i + 1) * 100), attributes: { part: i } })
  await writer.closeOpen()
  f.pool.commit.close()
  f.db.close()

  // slow: creates are taken and stored, their answers held back; hang: creates never reach the emulator's logic.
  emu.outage(mode === 'slow' ? { mode: 'slow', delayMs: 60_000, path: 'documents/create' } : { mode: 'hang', path: 'documents/create' })
  const first = runChild(t, f.path, emu.url)
  if (mode === 'slow') await waitFor(() => emu.receipts.creates >= 2, 'two creates received')
  await waitFor(() => first.lines.filter(l => l.startsWith('SENDING')).length >= 2, 'SENDING recorded')
  first.child.kill('SIGKILL')
  await first.exited
  const takenBeforeKill = emu.receipts.creates
  if (mode === 'slow') t.ok(takenBeforeKill >= 2 && takenBeforeKill <= 4, `the server took ${takenBeforeKill} documents whose answers were lost`)
  else t.equal(takenBeforeKill, 0, 'the server took nothing before the kill')

  emu.outage(undefined)
  const second = runChild(t, f.path, emu.url)
  const code = await second.exited
  t.equal(code, 0, 'the restarted controller finished')
  t.ok(second.lines.includes('DONE'))
  t.ok(second.lines.some(l => l.startsWith('SENDING')), 'the reports not taken were sent after the restart')

  t.equal(emu.receipts.creates, 5, 'five reports, five documents: none sent twice, none lost')
  t.equal(emu.receipts.byCode.size, 500)
  t.ok([...emu.receipts.byCode.values()].every(n => n === 1), 'every code received exactly once')
  t.ok([...emu.receipts.byHash.values()].every(n => n === 1))

  const g = f.reopen()
  const acc = g.pool.accounting()
  t.ok(acc.balanced)
  t.equal(Object.values(acc.gtins)[0]?.states.REPORTED, 500, 'all codes REPORTED')
  const outbox = new ReportOutbox({ pool: g.pool, clock: g.clock, senders: { aggregation: placeholder } })
  t.equal(outbox.summary().ACCEPTED.reports, 5)
  const reconciled = outbox.list().filter(r => outbox.history(r.id).some(h => h.event === 'RECONCILED'))
  t.equal(reconciled.length, takenBeforeKill, 'each document taken before the kill was found again, not re-sent')
}

t.test('kill -9 while answers are in flight (server took the documents) neither sends twice nor loses a report', t => scenario(t, 'slow'))
t.test('kill -9 while requests hang (server took nothing): every report is sent once after the restart', t => scenario(t, 'hang'))
