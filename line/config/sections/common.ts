// Schema building blocks shared by the config sections, with messages an engineer can act on.
import { z } from 'zod'

export const integer = () => z.int({ error: iss => iss.code !== 'invalid_type' ? undefined : iss.input === undefined ? 'required' : `expected integer, received ${JSON.stringify(iss.input)}` })
export const port = () => integer().min(0).max(65535)
export const nonEmpty = () => z.string({ error: iss => iss.code !== 'invalid_type' ? undefined : iss.input === undefined ? 'required' : `expected text, received ${JSON.stringify(iss.input)}` }).min(1, 'must not be empty')

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }
/** A duration in ms: a number, or text such as "500ms", "30s", "10m", "2h", "30d". */
export const duration = () => z.union([
  z.number().nonnegative(),
  z.string().transform((s, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$/.exec(s)
    if (m === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "500ms", "30s", "10m", "2h", received ${JSON.stringify(s)}` })
      return z.NEVER
    }
    return Number(m[1]) * (UNITS[m[2] as string] as number)
  }),
], { error: iss => iss.input === undefined ? 'required' : `expected a duration (ms or "30s"), received ${JSON.stringify(iss.input)}` })

/** A device connection: TCP host:port, or a serial port (RTU lines run 9600–115200 8N1). */
export const transport = () => z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('tcp'), host: nonEmpty().default('127.0.0.1'), port: port() }),
  z.strictObject({
    kind: z.literal('serial'),
    path: nonEmpty(),
    baudRate: integer().refine(b => [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(b), 'expected a standard baud rate (9600–115200)').default(9600),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  }),
], { error: iss => iss.input === undefined ? 'required' : 'expected kind "tcp" (host, port) or "serial" (path, baudRate)' })
