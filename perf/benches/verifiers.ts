// Camera results through the embedded broker (durable SQLite sessions) into the MQTT verifier, validated and matched
// by seq; and image-mode shots (render, degrade, decode, grade) per second.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { connectMqtt, endMqtt, startBroker, waitConnected } from '../../broker/index.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { SimCamera } from '../../sim/camera/index.ts'
import { CodeFactory, gtinFrom } from '../../sim/codes/factory.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import type { VerificationResult } from '../../verifiers/types.ts'
import { nowMs, round, summarize, type Bench } from '../lib.ts'

const USERS = [
  { username: 'controller', password: 'c', role: 'controller' as const },
  { username: 'cam1', password: 'k', role: 'camera' as const, deviceId: 'cam1' },
]
const codes = new CodeFactory(5).raw(new ProfileRegistry().get('water'), gtinFrom('0460165303004'), 2000)

interface Run { perSecond: number, p50: number, p99: number, matched: number, invalid: number }

/** Publish `n` results at most `window` unacknowledged (or paced at `rate`/s), and wait until all are verified. */
async function drive (cam: MqttClient, v: MqttVerifier, n: number, qos: 0 | 1, opts: { window?: number, rate?: number }): Promise<Run> {
  const sent = new Float64Array(n)
  const lat: number[] = []
  let matched = 0
  let got = 0
  let done!: () => void
  const finished = new Promise<void>(resolve => { done = resolve })
  const base = Math.floor(Math.random() * 1e9)
  const onResult = (r: VerificationResult): void => {
    const i = r.seq - base
    if (i < 0 || i >= n) return
    got++
    if (r.code === codes[i % codes.length]) matched++
    lat.push(nowMs() - (sent[i] as number))
    if (got === n) done()
  }
  v.on('result', onResult)
  const before = v.stats().invalid
  const t0 = nowMs()
  let acked = 0
  let i = 0
  const window = opts.window ?? 1000
  await new Promise<void>(resolve => {
    const pump = (): void => {
      const target = opts.rate === undefined ? n : Math.min(n, Math.floor((nowMs() - t0) / 1000 * opts.rate) + 1)
      while (i < target && i - acked < window) {
        const k = i++
        sent[k] = nowMs()
        const json = JSON.stringify({ seq: base + k, ts: Date.now(), code: codes[k % codes.length], grade: 'A', params: { symbolContrastGrade: 'A' }, symbology: ']d2' })
        cam.publish('s1/l1/cam/cam1/result', json, { qos }, () => { acked++ })
      }
      if (i >= n) { resolve(); return }
      setTimeout(pump, opts.rate === undefined ? 0 : 1)
    }
    pump()
  })
  // A watchdog instead of waiting forever: a lost result fails the bench below rather than hanging it.
  let last = -1
  const watchdog = setInterval(() => { if (got === last) done(); last = got }, 5000)
  await finished
  clearInterval(watchdog)
  const elapsed = nowMs() - t0
  v.off('result', onResult)
  const s = summarize(lat)
  return { perSecond: round(n / elapsed * 1000, 0), p50: s.p50, p99: s.p99, matched, invalid: v.stats().invalid - before }
}

async function images (n: number): Promise<number> {
  // Offline camera: nothing goes out, only the status publish must complete.
  const noPublish = { publish: (_t: string, _p: string, _o: unknown, cb?: () => void) => cb?.(), on: () => noPublish, off: () => noPublish } as unknown as MqttClient
  const cam = new SimCamera({
    id: 'bench', site: 's1', line: 'l1', client: noPublish, clock: { now: () => Date.now() },
    scenario: { mode: 'image', defects: { blur: { p: 0.3, min: 0.5, max: 2 }, noise: { p: 0.3, min: 5, max: 25 }, rotation: { p: 0.5, min: 0, max: 360 }, contrast: { p: 0.2, min: 0.4, max: 0.9 } }, faults: { offline: true } },
  })
  await cam.start()
  for (let k = 0; k < 5; k++) await cam.trigger(k, codes[k] as string) // warm-up: wasm compile, sharp threads
  const t0 = nowMs()
  let decoded = 0
  for (let k = 0; k < n; k++) if ((await cam.trigger(k, codes[k % codes.length] as string)).code !== null) decoded++
  const perSecond = n / (nowMs() - t0) * 1000
  if (decoded < n * 0.9) throw new Error(`image mode decoded only ${decoded}/${n}`)
  return round(perSecond, 1)
}

export default {
  description: 'camera results/s through the embedded broker into the verifier (QoS 0/1), p99 latency, image-mode shots/s',
  async run ({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'lc-bench-verifiers-'))
    const broker = await startBroker({ site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: join(dir, 'broker.db') })
    const ctl = connectMqtt({ url: broker.url, username: 'controller', password: 'c', clientId: 'bench-ctl', clean: false })
    const cam = connectMqtt({ url: broker.url, username: 'cam1', password: 'k', clientId: 'bench-cam1' })
    try {
      await waitConnected(ctl)
      await waitConnected(cam)
      const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: { now: () => Date.now() }, cameras: ['cam1'] })
      await v.start()
      const n = quick ? 10_000 : 40_000
      await drive(cam, v, 2000, 1, {}) // warm-up
      const q1 = await drive(cam, v, n, 1, {})
      const q0 = await drive(cam, v, n, 0, {})
      // Latency at a steady 1,000 results/s, 50× the fastest line (devices.md): what a result costs, not queueing.
      const paced = await drive(cam, v, quick ? 3000 : 10_000, 1, { rate: 1000 })
      await v.stop()
      if (q1.matched !== n || q0.matched !== n || q1.invalid + q0.invalid > 0) throw new Error(`results lost or mismatched: qos1 ${q1.matched}/${n}, qos0 ${q0.matched}/${n}`)
      const img = await images(quick ? 30 : 100)
      return {
        results_per_s_qos1: q1.perSecond,
        results_per_s_qos0: q0.perSecond,
        result_p50_ms: paced.p50,
        result_p99_ms: paced.p99,
        result_p99_ms_saturated_qos1: q1.p99,
        images_per_s: img,
      }
    } finally {
      await endMqtt(cam, true)
      await endMqtt(ctl, true)
      await broker.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench
