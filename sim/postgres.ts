// A real PostgreSQL server for a test or a bench (the plant register, docs/modes.md): a fresh cluster in a temp folder on a
// free loopback port, trust authentication, stopped and removed at teardown. Debian's postgresql package (.ci/run
// installs it); as root the server runs as the `postgres` user, which it insists on.
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './net.ts'

const execFileAsync = promisify(execFile)

/** Where initdb and pg_ctl are, or null when PostgreSQL is not installed. */
export function postgresBin (): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter(v => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
  return versions.length === 0 ? null : join(root, versions[0] as string, 'bin')
}

export interface TestPostgres {
  url: string
  port: number
  /** Stop the server (an outage); `start` brings it back on the same port with its data. */
  stop(): void
  start(): void
  /** The same without blocking the event loop (a simulated line goes on meanwhile). */
  stopAsync(): Promise<void>
  startAsync(): Promise<void>
}

export async function startPostgres (t: { teardown(fn: () => void): void }): Promise<TestPostgres> {
  const bin = postgresBin()
  if (bin === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  const dir = mkdtempSync(join(tmpdir(), 'lc-pg-'))
  const data = join(dir, 'data')
  const root = userInfo().uid === 0
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()))
  const run = (cmd: string, args: string[]): void => {
    const full = join(bin, cmd)
    if (root) execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'pipe', cwd: dir })
    else execFileSync(full, args, { stdio: 'pipe', cwd: dir })
  }
  const runAsync = async (cmd: string, args: string[]): Promise<void> => {
    const full = join(bin, cmd)
    if (root) await execFileAsync('runuser', ['-u', 'postgres', '--', full, ...args], { cwd: dir })
    else await execFileAsync(full, args, { cwd: dir })
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'line', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const startArgs = ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`, 'start']
  const stopArgs = ['-D', data, '-m', 'fast', '-w', 'stop']
  const start = (): void => run('pg_ctl', startArgs)
  const stop = (): void => run('pg_ctl', stopArgs)
  start()
  t.teardown(() => {
    try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) } catch { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true })
  })
  return { url: `postgres://line@127.0.0.1:${port}/postgres`, port, stop, start, stopAsync: () => runAsync('pg_ctl', stopArgs), startAsync: () => runAsync('pg_ctl', startArgs) }
}
