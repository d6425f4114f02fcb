// Signs by running a configured program (a CryptoPro CLI or a wrapper around it): data in, base64 signature out.
// Placeholders in the arguments: {mode} → detached|attached, {in} → a temp file holding the data,
// {out} → a temp file the program writes the signature to (read instead of stdout). See docs/true-api.md.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignerError, cleanBase64, type SignOptions, type Signer } from './signer.ts'

export interface ExternalCommandOptions {
  command: string
  /** Arguments for a detached signature. */
  args: readonly string[]
  /** Arguments for an attached signature (the sign-in); defaults to `args`. */
  attachedArgs?: readonly string[]
  timeoutMs: number
  /** Extra environment; LC_SIGN_MODE=detached|attached is always set. */
  env?: Record<string, string>
}

const STDERR_KEEP = 2000

export class ExternalCommandSigner implements Signer {
  readonly kind = 'external-command'
  readonly #o: ExternalCommandOptions
  constructor (options: ExternalCommandOptions) { this.#o = options }

  async sign (data: Buffer, options: SignOptions): Promise<string> {
    const mode = options.detached ? 'detached' : 'attached'
    const template = options.detached ? this.#o.args : (this.#o.attachedArgs ?? this.#o.args)
    const usesFiles = template.some(a => a.includes('{in}') || a.includes('{out}'))
    const dir = usesFiles ? await mkdtemp(join(tmpdir(), 'lc-sign-')) : undefined
    try {
      const inPath = dir === undefined ? '' : join(dir, 'data.bin')
      const outPath = dir === undefined ? '' : join(dir, 'data.sig')
      if (dir !== undefined) await writeFile(inPath, data)
      const args = template.map(a => a.replaceAll('{mode}', mode).replaceAll('{in}', inPath).replaceAll('{out}', outPath))
      const stdout = await this.#run(args, data, mode)
      const text = template.some(a => a.includes('{out}')) ? await readFile(outPath, 'utf8').catch(() => '') : stdout
      const sig = cleanBase64(text)
      if (sig === undefined) {
        throw new SignerError('the signing program printed no base64 signature', { command: this.#o.command, mode, output: text.slice(0, 200) })
      }
      return sig
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    }
  }

  #run (args: string[], data: Buffer, mode: string): Promise<string> {
    const { command, timeoutMs } = this.#o
    return new Promise((resolve, reject) => {
      let child
      try {
        // Own process group, so a timeout kills a wrapper script together with the CLI it started.
        child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...this.#o.env, LC_SIGN_MODE: mode } })
      } catch (err) {
        reject(new SignerError(`cannot start the signing program ${command}`, { command, mode }, { cause: err })); return
      }
      const out: Buffer[] = []
      let err = ''
      let done = false
      const finish = (e: SignerError | undefined, v?: string): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        if (e !== undefined) reject(e)
        else resolve(v as string)
      }
      // A hung token dialog or a locked container must not hold the outbox forever.
      const timer = setTimeout(() => {
        try { if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL') } catch { child.kill('SIGKILL') }
        child.stdout.destroy()
        child.stderr.destroy()
        finish(new SignerError(`the signing program did not answer within ${timeoutMs} ms`, { command, mode, timeoutMs }))
      }, timeoutMs)
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => { if (err.length < STDERR_KEEP) err += b.toString('utf8') })
      child.on('error', e => finish(new SignerError(`cannot run the signing program ${command}`, { command, mode }, { cause: e })))
      child.on('close', (code, signal) => {
        if (code === 0) finish(undefined, Buffer.concat(out).toString('utf8'))
        else finish(new SignerError(`the signing program failed (exit ${code ?? signal})`, { command, mode, exitCode: code, signal, stderr: err.slice(0, STDERR_KEEP) }))
      })
      // The program may exit without reading stdin (EPIPE): its exit code tells what happened.
      child.stdin.on('error', () => {})
      child.stdin.end(data)
    })
  }
}
