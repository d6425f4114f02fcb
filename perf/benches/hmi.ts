// Operator panel server: audited command round-trip and snapshot latency over real HTTP, and how a storm of line
// changes is throttled into WebSocket pushes (the panel must not load the line).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { systemClock } from '../../line/clock.ts'
import { createHmiServer, HmiStore } from '../../line/hmi/index.ts'
import { hashPassword } from '../../line/hmi/passwords.ts'
import { silentLogger } from '../../line/log.ts'
import { openDatabase } from '../../line/store/open.ts'
import { FakeLine } from '../../test/line/hmi/fake-line.ts'
import { nowMs, round, rssMb, summarize, type Bench } from '../lib.ts'

export default {
  description: 'HMI: audited command and snapshot latency over HTTP, login (scrypt), WebSocket throttle under a change storm',
  async run ({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'perf-hmi-'))
    const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
    const line = new FakeLine({ clock: systemClock })
    const intervalMs = 250
    new HmiStore(db).addUser({ username: 'eng', role: 'engineer', passwordHash: await hashPassword('engineer-pass'), mustChange: false, createdBy: 'perf' }, Date.now())
    const server = createHmiServer({ control: line, db, log: silentLogger(), clock: systemClock, config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: intervalMs } })
    const sockets: WebSocket[] = []
    try {
      const url = await server.listen()
      const logins: number[] = []
      let cookie = ''
      for (let i = 0; i < (quick ? 5 : 20); i++) {
        const t0 = nowMs()
        const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'eng', password: 'engineer-pass' }) })
        logins.push(nowMs() - t0)
        cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
        await res.arrayBuffer()
      }
      const n = quick ? 500 : 3000
      const cmd: number[] = []
      for (let i = 0; i < n; i++) {
        const t0 = nowMs()
        const res = await fetch(`${url}/api/mode`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ mode: i % 2 === 0 ? 'Maintenance' : 'Production' }) })
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`mode change answered ${res.status}`)
        cmd.push(nowMs() - t0)
      }
      const snapLat: number[] = []
      for (let i = 0; i < n; i++) {
        const t0 = nowMs()
        const res = await fetch(`${url}/api/snapshot`, { headers: { cookie } })
        await res.arrayBuffer()
        snapLat.push(nowMs() - t0)
      }

      const clients = 20
      let frames = 0
      for (let i = 0; i < clients; i++) {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { cookie } })
        ws.on('message', () => { frames++ })
        sockets.push(ws)
        await new Promise(resolve => ws.once('message', resolve))
      }
      frames = 0
      const pushesBefore = server.live.pushes
      const stormMs = quick ? 2000 : 5000
      let events = 0
      const t0 = nowMs()
      // 10 changes per millisecond, in bursts, for stormMs: far above what a real line emits.
      while (nowMs() - t0 < stormMs) {
        for (let i = 0; i < 10; i++) { line.emit('snapshot'); events++ }
        await new Promise(resolve => setTimeout(resolve, 1))
      }
      const elapsed = nowMs() - t0
      await new Promise(resolve => setTimeout(resolve, intervalMs * 2))
      const pushes = server.live.pushes - pushesBefore
      const c = summarize(cmd)
      const s = summarize(snapLat)
      const l = summarize(logins)
      return {
        command_p50_ms: c.p50, command_p99_ms: c.p99,
        snapshot_p50_ms: s.p50, snapshot_p99_ms: s.p99,
        login_p50_ms: l.p50,
        storm_events: events,
        storm_pushes_per_s: round(pushes / (elapsed / 1000), 2),
        max_pushes_per_s: round(1000 / intervalMs, 2),
        frames_per_client_per_s: round(frames / clients / ((elapsed + intervalMs * 2) / 1000), 2),
        rss_mb: rssMb(),
      }
    } finally {
      for (const ws of sockets) ws.close()
      await server.close()
      line.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench
