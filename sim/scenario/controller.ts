// The runner's handle on the controller process (sim/line-child.ts): start it, ask it for its status, send operator
// commands, cut its power (SIGKILL) or stop it gracefully.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildRequest, ChildStatus, CodesOp, ReworkOp, Settled } from '../line-child.ts'

const CHILD = join(import.meta.dirname, '..', 'line-child.ts')

export class ControllerProcess {
  readonly #proc: ChildProcess
  readonly #waiting = new Map<number, (body: unknown) => void>()
  #next = 1
  #exited = false
  /** Codes the controller wrote off as UNCERTAIN at this start (a previous run left them SENT). */
  recovered = 0
  stderr = ''

  private constructor (proc: ChildProcess) {
    this.#proc = proc
    proc.stderr?.setEncoding('utf8')
    proc.stderr?.on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-4000) })
    proc.on('message', (m: { id?: number, body?: unknown }) => {
      const done = m.id === undefined ? undefined : this.#waiting.get(m.id)
      if (done !== undefined) { this.#waiting.delete(m.id as number); done(m.body) }
    })
    proc.on('exit', () => {
      this.#exited = true
      for (const done of this.#waiting.values()) done(undefined)
      this.#waiting.clear()
    })
  }

  /** Start the controller from a JSON config; resolves once it runs (`clock`: `t0,real0,rate`). */
  static start (configPath: string, clock: string, timeoutMs = 60_000): Promise<ControllerProcess> {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, configPath], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, LC_SIM_CLOCK: clock } })
    const ctl = new ControllerProcess(proc)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`controller not ready after ${timeoutMs} ms: ${ctl.stderr}`)) }, timeoutMs)
      proc.on('message', (m: { ready?: boolean, recovered?: number }) => {
        if (m.ready !== true) return
        clearTimeout(timer)
        ctl.recovered = m.recovered ?? 0
        resolve(ctl)
      })
      proc.on('exit', code => { clearTimeout(timer); reject(new Error(`controller exited (${code}) before it was ready: ${ctl.stderr}`)) })
    })
  }

  get alive (): boolean { return !this.#exited }

  /** Resident memory of the controller process in MB (Linux /proc), undefined when unknown. */
  rssMb (): number | undefined {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.#proc.pid}/status`, 'utf8'))
      return m === null ? undefined : Math.round(Number(m[1]) / 1024)
    } catch { return undefined }
  }

  #ask (req: { op: ChildRequest['op'], cmd?: string, what?: ReworkOp, index?: number, codes?: CodesOp }, timeoutMs = 15_000): Promise<unknown> {
    if (this.#exited) return Promise.resolve(undefined)
    const id = this.#next++
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.#waiting.delete(id); resolve(undefined) }, timeoutMs)
      this.#waiting.set(id, body => { clearTimeout(timer); resolve(body) })
      this.#proc.send({ ...req, id } as ChildRequest)
    })
  }

  /** The controller's status, or undefined when it does not answer (dead, or busy beyond the timeout). */
  status (): Promise<ChildStatus | undefined> { return this.#ask({ op: 'status' }) as Promise<ChildStatus | undefined> }

  async command (cmd: string): Promise<{ ok: boolean, reason?: { en: string } } | undefined> {
    return await this.#ask({ op: 'command', cmd }) as { ok: boolean, reason?: { en: string } } | undefined
  }

  /** A rework by the simulated engineer (docs/rework.md): the line's answer, or undefined when it does not answer. */
  async rework (what: ReworkOp, index: number): Promise<{ ok: boolean, reason?: { en: string } } | undefined> {
    return await this.#ask({ op: 'rework', what, index }, 60_000) as { ok: boolean, reason?: { en: string } } | undefined
  }

  /** A codes file exported for the printing house (its path) or imported (docs/codes-files.md). */
  async codes (op: CodesOp): Promise<{ ok: boolean, path?: string, count?: number, imported?: number, reason?: { en: string } } | undefined> {
    return await this.#ask({ op: 'codes', codes: op }, 60_000) as { ok: boolean, path?: string, count?: number, imported?: number, reason?: { en: string } } | undefined
  }

  /** What is not through yet after a rework. */
  settled (): Promise<Settled | undefined> { return this.#ask({ op: 'settled' }) as Promise<Settled | undefined> }

  /** Power cut: SIGKILL, nothing flushed, no goodbye to the broker (its will says Offline). */
  async kill (): Promise<void> {
    if (this.#exited) return
    const exited = new Promise(resolve => this.#proc.once('exit', resolve))
    this.#proc.kill('SIGKILL')
    await exited
  }

  /** A normal shutdown: heads emptied, store closed. */
  async close (timeoutMs = 30_000): Promise<void> {
    if (this.#exited) return
    const exited = new Promise(resolve => this.#proc.once('exit', resolve))
    await this.#ask({ op: 'close' }, timeoutMs)
    const late = setTimeout(() => this.#proc.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(late)
  }
}
