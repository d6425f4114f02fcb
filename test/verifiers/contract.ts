// The shared verifier contract (MQTT.js abstract_client style, like test/printers/contract.ts): every verifier and
// reader bridge in verifiers/, each with the device it stands for, must pass the same suite.
import type { Test } from 'tap'
import type { Grade, VerificationResult } from '../../verifiers/types.ts'

export interface VerifierRig {
  /** The camera id the line knows the device by. */
  camera: string
  /** The part under test, as the line stops it. */
  unit: { stop(): Promise<void> }
  /** What reached the line: results and camera status (through the line's MQTT verifier). */
  results: VerificationResult[]
  statuses: Array<{ camera: string, online: boolean }>
  /** What the part under test refused, as it reported it: a reason each, never a throw. */
  invalid: string[]
  /** The device reads product `seq`. */
  read(r: { seq: number, code: string | null, grade: Grade }): Promise<void>
  /** The device sends things that are not results; resolves with how many. */
  garbage(): Promise<number>
  /** The device loses its link (cable pulled, power off). */
  disconnect(): Promise<void>
  /** The part under test still holds something of the device (a socket, a subscription, a listener). */
  linked(): boolean
  /** Active handles (sockets, timers) before the part under test was started: nothing more may be left after stop(). */
  handlesBefore: Record<string, number>
}

const CODE = '0104601653030046215abcde\u001d93Ab1+'

export async function until (cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** Count of active libuv resources by kind (TCPSocketWrap, Timeout, …). */
export function activeHandles (): Record<string, number> {
  const out: Record<string, number> = {}
  for (const k of process.getActiveResourcesInfo()) out[k] = (out[k] ?? 0) + 1
  return out
}

export function verifierContract (t: Test, name: string, make: (t: Test) => Promise<VerifierRig>): void {
  t.test(`${name}: results carry the trigger seq, the code and the grade, whatever order they come in`, async t => {
    const rig = await make(t)
    await rig.read({ seq: 12, code: CODE, grade: 'B' })
    await rig.read({ seq: 10, code: null, grade: 'F' })
    await rig.read({ seq: 11, code: CODE, grade: 'A' })
    await until(() => rig.results.length === 3, 'three results')
    t.same(rig.results.map(r => [r.camera, r.seq, r.code, r.grade]), [[rig.camera, 12, CODE, 'B'], [rig.camera, 10, null, 'F'], [rig.camera, 11, CODE, 'A']],
      'each result is the one read for its seq: matching is by seq, never by arrival')
    t.ok(rig.results.every(r => Number.isFinite(r.ts) && Number.isFinite(r.receivedAt)), 'with the camera time and the controller receive time')
    t.ok(rig.results[0]?.code?.includes('\u001d'), 'GS between fields survives the trip')
    t.same(rig.invalid, [])
  })

  t.test(`${name}: what is not a result is reported, never thrown; good results still pass`, async t => {
    const rig = await make(t)
    const sent = await rig.garbage()
    t.ok(sent >= 3, 'the rig sends several kinds of garbage')
    await rig.read({ seq: 5, code: CODE, grade: 'A' })
    await until(() => rig.results.length === 1 && rig.invalid.length >= sent, `a good result after ${sent} bad ones`)
    t.equal(rig.invalid.length, sent, 'each bad message reported once')
    t.ok(rig.invalid.every(r => typeof r === 'string' && r.length > 0), 'each with a reason')
    t.same(rig.results.map(r => r.seq), [5], 'no result made up from garbage')
  })

  t.test(`${name}: the camera is reported online, and offline when its link goes`, async t => {
    const rig = await make(t)
    await until(() => rig.statuses.some(s => s.camera === rig.camera && s.online), 'online')
    await rig.disconnect()
    await until(() => rig.statuses.at(-1)?.online === false || rig.statuses.some((s, i) => i > 0 && !s.online), 'offline')
    t.ok(rig.statuses.every(s => s.camera === rig.camera))
    t.ok(rig.statuses.findIndex(s => s.online) < rig.statuses.findIndex(s => !s.online), 'online first, then offline')
  })

  t.test(`${name}: stop() lets go of the device and leaves no handle behind`, async t => {
    const rig = await make(t)
    await rig.read({ seq: 1, code: CODE, grade: 'A' })
    await until(() => rig.results.length === 1, 'a result before stop')
    t.ok(rig.linked())
    await rig.unit.stop()
    await rig.unit.stop() // twice is harmless
    t.notOk(rig.linked(), 'no link to the device after stop()')
    await rig.read({ seq: 2, code: CODE, grade: 'A' })
    await new Promise(resolve => setTimeout(resolve, 150))
    t.same(rig.results.map(r => r.seq), [1], 'nothing delivered after stop()')
    const left = (): string[] => Object.entries(activeHandles()).filter(([k, n]) => n > (rig.handlesBefore[k] ?? 0)).map(([k, n]) => `${k} +${n - (rig.handlesBefore[k] ?? 0)}`)
    await until(() => left().length === 0, 'handles released').catch(() => {})
    t.same(left(), [], 'no socket or timer left over by the part under test')
  })
}
