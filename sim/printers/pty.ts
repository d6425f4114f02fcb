// A linked pair of pseudo-terminals made by socat: a real serial line for tests and the demo, no hardware needed.
import { spawn, type ChildProcess } from 'node:child_process'

export interface PtyPair { a: string, b: string, close(): Promise<void> }

/** `socat -d -d pty,raw,echo=0 pty,raw,echo=0`; resolves once both device paths are known. */
export async function openPtyPair (timeoutMs = 5000): Promise<PtyPair> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const paths: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('socat did not report two ptys')) }, timeoutMs)
    let text = ''
    child.once('error', err => { clearTimeout(timer); reject(err) })
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString()
      for (const m of text.matchAll(/PTY is (\/dev\/\S+)/g)) if (!paths.includes(m[1] as string)) paths.push(m[1] as string)
      if (paths.length >= 2) { clearTimeout(timer); resolve() }
    })
  })
  return {
    a: paths[0] as string,
    b: paths[1] as string,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      // socat also ends by itself when one side closes: its exit may already be on the way, so the wait is bounded
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve() }, 2000)
        timer.unref()
        child.once('exit', () => { clearTimeout(timer); resolve() })
        child.kill('SIGTERM')
      })
      child.stderr?.destroy()
    },
  }
}
