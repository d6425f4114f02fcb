// Checks of the machine a config will run on, made before anything is started or ordered: the ports the line will
// listen on are free, its endpoints are addresses it can bind, its store can be written. Each problem names its key
// (a busy panel port used to fail only after the line had started and ordered codes).
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { HeadMapError, loadHeadMap } from '../../printers/modbus-head/head-map.ts'
import { ConfigError } from './load.ts'
import type { LineConfig } from './schema.ts'

/** Folders that are not storage: SQLite on them hangs or fails in odd ways (`/proc`, `/sys`, `/dev`). */
const NOT_STORAGE = ['/proc', '/sys', '/dev']

function canListen (host: string, port: number): Promise<string | null> {
  return new Promise(resolve => {
    const srv = createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use by another program` : `cannot listen on ${host}:${port} (${err.code ?? err.message})`))
    srv.listen(port, host, () => srv.close(() => resolve(null)))
  })
}

/**
 * `tcp://host:port` → host and port (`*` host = all addresses, `*` port = any free port, given as 0); 'local' for
 * ipc/inproc; null for a form zeromq would refuse.
 */
export function tcpEndpoint (e: string): { host: string, port: number } | 'local' | null {
  if (/^(ipc|inproc):\/\/.+/.test(e)) return 'local'
  const m = /^tcp:\/\/(\*|\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5}|\*)$/.exec(e)
  if (m === null) return null
  const port = m[2] === '*' ? 0 : Number(m[2])
  if (port > 65535) return null
  const host = (m[1] as string) === '*' ? '0.0.0.0' : (m[1] as string).replace(/^\[|\]$/g, '')
  return { host, port }
}

function storeProblem (path: string): string | null {
  if (path === ':memory:') return null
  const abs = resolve(path)
  let existing = abs
  while (!existsSync(existing)) existing = dirname(existing)
  const real = realpathSync(existing)
  if (NOT_STORAGE.some(p => real === p || real.startsWith(`${p}/`))) return `${path} is under ${real.split('/').slice(0, 2).join('/')}, which is not storage`
  const st = statSync(real)
  if (existing === abs && !st.isFile()) return `${path} is not a file`
  try { accessSync(existing === abs ? real : real, constants.W_OK) } catch { return `${path}: no write permission on ${real}` }
  return null
}

/** Every problem found, each as `key: what is wrong`; empty when the line can start. */
export async function preflightProblems (c: LineConfig): Promise<string[]> {
  const problems: string[] = []
  const store = storeProblem(c.store.path)
  if (store !== null) problems.push(`store.path: ${store}`)
  // A head's register map is read before anything is ordered: a bad map file is a config error, not a printer fault.
  c.printers.forEach((p, i) => {
    if (p.driver !== 'modbus-head') return
    try { loadHeadMap(p.map) } catch (err) {
      if (!(err instanceof HeadMapError)) throw err
      for (const m of err.problems) problems.push(`printers[${i}].map: ${String(err.context.source)}: ${m}`)
    }
  })
  const listens: Array<{ key: string, host: string, port: number }> = []
  if (c.hmi.port !== 0) listens.push({ key: 'hmi.port', host: c.hmi.host, port: c.hmi.port })
  if (c.erp !== undefined && c.erp.port !== 0) listens.push({ key: 'erp.port', host: c.erp.host, port: c.erp.port })
  const plc = c.plc.transport
  if (plc.kind === 'modbus-tcp' && plc.port !== 0) listens.push({ key: 'plc.transport.port', host: plc.host, port: plc.port })
  if (c.broker.url === undefined || c.broker.url === '') {
    if (c.broker.port !== 0) listens.push({ key: 'broker.port', host: c.broker.host, port: c.broker.port })
    if (c.broker.wsPort !== undefined && c.broker.wsPort !== 0) listens.push({ key: 'broker.wsPort', host: c.broker.host, port: c.broker.wsPort })
  } else {
    try {
      const u = new URL(c.broker.url)
      if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(u.protocol)) problems.push(`broker.url: unknown scheme ${u.protocol} (mqtt://, mqtts://, ws://, wss://)`)
    } catch { problems.push(`broker.url: not a URL: ${c.broker.url}`) }
  }
  for (const key of ['pub', 'router'] as const) {
    const e = c.l3[key]
    if (e === undefined) continue
    const ep = tcpEndpoint(e)
    if (ep === null) problems.push(`l3.${key}: not a zeromq endpoint (tcp://host:port, ipc://path): ${e}`)
    else if (ep !== 'local' && ep.port !== 0) listens.push({ key: `l3.${key}`, host: ep.host, port: ep.port })
  }
  const seen = new Map<number, string>()
  for (const l of listens) {
    const other = seen.get(l.port)
    if (other !== undefined) { problems.push(`${l.key}: port ${l.port} is also ${other}`); continue }
    seen.set(l.port, l.key)
    const p = await canListen(l.host, l.port)
    if (p !== null) problems.push(`${l.key}: ${p}`)
  }
  return problems
}

/** Throws a ConfigError listing every problem; call before the line starts anything. */
export async function preflight (c: LineConfig, source = '(config)'): Promise<void> {
  const problems = await preflightProblems(c)
  if (problems.length > 0) throw new ConfigError(source, problems)
}
