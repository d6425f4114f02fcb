// Who may send jobs: CURVE encryption and client authentication for the L3 sockets (ZMTP CURVE, RFC 26) with a ZAP
// handler (RFC 27) that admits only the MES public keys named in the config. The one ZAP endpoint of a zeromq
// context (`inproc://zeromq.zap.01`) is shared by every socket of the process, so sockets are told apart by their
// ZAP domain and each domain has its own key list.
import { randomUUID } from 'node:crypto'
import { Reply, type Socket } from 'zeromq'
import type { Logger } from '../log.ts'

/** Z85 (ZeroMQ RFC 32): 4 bytes ↔ 5 printable characters; keys are 32 bytes ↔ 40 characters. */
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#'

export function z85Encode (data: Buffer): string {
  if (data.length % 4 !== 0) throw new RangeError('Z85 encodes a multiple of 4 bytes')
  let out = ''
  for (let i = 0; i < data.length; i += 4) {
    let value = data.readUInt32BE(i)
    let chunk = ''
    for (let j = 0; j < 5; j++) { chunk = (Z85[value % 85] as string) + chunk; value = Math.floor(value / 85) }
    out += chunk
  }
  return out
}

/** A 40-character Z85 CURVE key. */
export const isZ85Key = (s: string): boolean => s.length === 40 && [...s].every(c => Z85.includes(c))

export interface CurveServerOptions {
  /** This controller's secret key (Z85, 40 characters); its public key goes to the MES. */
  secretKey: string
  /** Public keys (Z85) of the MES clients allowed to connect. */
  clients: readonly string[]
}

interface ZapState { reply: Reply, loop: Promise<void>, domains: Map<string, Set<string>>, log: Logger | undefined }
let zap: Promise<ZapState> | null = null

function zapHandler (log: Logger | undefined): Promise<ZapState> {
  zap ??= (async () => {
    const reply = new Reply()
    await reply.bind('inproc://zeromq.zap.01')
    const state: ZapState = { reply, loop: Promise.resolve(), domains: new Map(), log }
    state.loop = serveZap(state)
    return state
  })()
  return zap
}

async function serveZap (z: ZapState): Promise<void> {
  try {
    for await (const frames of z.reply) {
      // [version, request id, domain, address, identity, mechanism, credentials…] (RFC 27 "ZAP request")
      const [version, requestId, domain, address, , mechanism, key] = frames.map(f => f as Buffer)
      const allowed = z.domains.get(domain?.toString() ?? '')
      const clientKey = mechanism?.toString() === 'CURVE' && key?.length === 32 ? z85Encode(key) : null
      const ok = allowed !== undefined && clientKey !== null && allowed.has(clientKey)
      if (!ok) z.log?.warn({ domain: domain?.toString(), address: address?.toString(), mechanism: mechanism?.toString(), clientKey }, 'L3 refused a connection: key not allowed')
      await z.reply.send([version ?? '1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'key not allowed', ok ? clientKey : '', ''])
    }
  } catch (err) {
    if (!z.reply.closed) z.log?.error({ err }, 'L3 ZAP handler stopped')
  }
}

/**
 * Makes `socket` a CURVE server admitting only `options.clients`. Call before bind. Returns the function that removes
 * the socket's key list (call it when the socket closes).
 */
export async function secureServer (socket: Socket, options: CurveServerOptions, log?: Logger): Promise<() => Promise<void>> {
  const z = await zapHandler(log)
  const domain = `l3-${randomUUID()}`
  z.domains.set(domain, new Set(options.clients))
  socket.zapDomain = domain
  socket.curveServer = true
  socket.curveSecretKey = options.secretKey
  return async () => {
    z.domains.delete(domain)
    if (z.domains.size === 0 && zap !== null) {
      zap = null
      z.reply.close()
      await z.loop
    }
  }
}
