// The HTTP transport over undici: the one file of the controller that imports it. One request, one deadline over
// headers and body, the body streamed and cut at a size cap. Retries, pacing and policy live in channel.ts.
import { Agent, request, errors as undiciErrors } from 'undici'
import { HttpNetworkError, HttpTimeoutError, HttpTooLargeError, type HttpErrorContext } from './errors.ts'

export interface WireRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: Buffer | undefined
  timeoutMs: number
  maxResponseBytes: number
  /** Put into every error this request throws. */
  context: HttpErrorContext
}

export interface WireResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** What the channel needs from a transport; tests or another library could stand in. */
export interface HttpTransport {
  send(req: WireRequest): Promise<WireResponse>
  close(): Promise<void>
}

export interface UndiciTransportOptions {
  /** Parallel connections per origin. */
  connections?: number
  keepAliveTimeoutMs?: number
}

// Connection never established: the server certainly did not see the request.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

export class UndiciTransport implements HttpTransport {
  readonly #agent: Agent

  constructor (options: UndiciTransportOptions = {}) {
    // undici's own headers/body timeouts stay at their (long) defaults: the deadline below is the one that counts,
    // and it covers headers and body together.
    this.#agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000 })
  }

  async send (req: WireRequest): Promise<WireResponse> {
    const ctx = req.context
    const ac = new AbortController()
    const timer = setTimeout(() => { ac.abort() }, req.timeoutMs)
    let received = 0
    try {
      const res = await request(req.url, { method: req.method as 'GET', headers: req.headers, body: req.body, dispatcher: this.#agent, signal: ac.signal })
      const tooLarge = (n: number): HttpTooLargeError => new HttpTooLargeError({ ...ctx, limitBytes: req.maxResponseBytes, receivedBytes: n, status: res.statusCode })
      // A declared length over the cap is refused before a byte of it is read.
      const declared = Number(firstHeader(res.headers['content-length']))
      if (Number.isFinite(declared) && declared > req.maxResponseBytes) {
        res.body.destroy()
        throw tooLarge(0)
      }
      const chunks: Buffer[] = []
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        received += chunk.length
        if (received > req.maxResponseBytes) {
          // Destroying the body aborts the request: undici drops the connection, the upstream stops streaming.
          res.body.destroy()
          throw tooLarge(received)
        }
        chunks.push(chunk)
      }
      return { status: res.statusCode, headers: res.headers, body: chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, received) }
    } catch (err) {
      if (err instanceof HttpTooLargeError) throw err
      if (ac.signal.aborted) throw new HttpTimeoutError({ ...ctx, timeoutMs: req.timeoutMs, receivedBytes: received }, { cause: err })
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
        throw new HttpTimeoutError({ ...ctx, timeoutMs: req.timeoutMs, receivedBytes: received }, { cause: err })
      }
      const errno = errorCode(err)
      const sent = !(errno !== undefined && NOT_SENT.has(errno)) && !(err instanceof undiciErrors.ConnectTimeoutError)
      throw new HttpNetworkError(`${ctx.upstream} ${ctx.method} ${ctx.path}: ${(err as Error).message}`, { ...ctx, errno, sent }, { cause: err })
    } finally {
      clearTimeout(timer)
    }
  }

  async close (): Promise<void> { await this.#agent.close() }
}

function firstHeader (h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h
}

/** The errno of a socket error, looked for on the error and its causes (undici wraps some of them). */
function errorCode (err: unknown): string | undefined {
  let generic: string | undefined
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code !== 'string') continue
    if (code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_ABORTED') return code
    generic ??= code
  }
  return generic
}
