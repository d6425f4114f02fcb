// The HTTP channel against real local servers: size cap on an endless body, Retry-After (seconds, date, bound),
// retries of 5xx / 429 / network failures only where safe, timeouts over headers and body, and request pacing.
import { createServer } from 'node:net'
import t from 'tap'
import { ManualClock } from '../../../line/clock.ts'
import { HttpChannel, HttpNetworkError, HttpStatusError, HttpTimeoutError, HttpTooLargeError, retryAfterMs, type HttpChannelOptions } from '../../../line/http/index.ts'
import { json, scriptedServer } from './server.ts'

const MiB = 1024 * 1024

function channel (t: { teardown(fn: () => unknown): void }, url: string, o: Partial<HttpChannelOptions> = {}): HttpChannel {
  const c = new HttpChannel({ upstream: 'Test', baseUrl: url, timeoutMs: 2_000, maxRequestsPerSecond: 1_000, attempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, ...o })
  t.teardown(() => c.close())
  return c
}

t.test('an endless body is cut at the cap with LC_ERR_HTTP_TOO_LARGE; the upstream is cut off and memory stays bounded', async t => {
  let written = 0
  let closed = 0
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const { url, seen } = await scriptedServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.on('close', () => { closed++ })
    // As fast as the socket takes it, for ever: what a hostile upstream does.
    const pump = (): void => {
      while (!res.destroyed) {
        written += chunk.length
        if (!res.write(chunk)) { res.once('drain', pump); return }
      }
    }
    pump()
  })
  const c = channel(t, url, { maxResponseBytes: 8 * MiB, timeoutMs: 30_000 })
  // One small flood first, so that loading the HTTP stack is not counted as growth.
  await channel(t, url, { maxResponseBytes: 64 * 1024 }).send({ method: 'GET', path: '/warm-up', idempotent: true }).catch(() => undefined)
  const base = process.memoryUsage().rss
  let peak = base
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 5)
  const errors: unknown[] = []
  for (let i = 0; i < 5; i++) errors.push(await c.send({ method: 'GET', path: '/codes', idempotent: true }).catch(e => e))
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  for (const e of errors) {
    t.ok(e instanceof HttpTooLargeError, 'a typed error')
    t.equal((e as HttpTooLargeError).code, 'LC_ERR_HTTP_TOO_LARGE')
    t.equal((e as HttpTooLargeError).retryable, false)
    t.match((e as HttpTooLargeError).context, { upstream: 'Test', method: 'GET', path: '/codes', attempt: 1, limitBytes: 8 * MiB, status: 200 })
    t.ok((e as HttpTooLargeError).context.receivedBytes as number > 8 * MiB && (e as HttpTooLargeError).context.receivedBytes as number <= 9 * MiB, 'stopped right after the cap')
  }
  t.equal(seen.length, 6, 'never retried: the same request would bring the same flood')
  const growthMb = (peak - base) / MiB
  // Uncollected garbage of the five reads counts in RSS; without the cap the same floods grow it by gigabytes.
  t.ok(growthMb < 128, `process memory grew by ${growthMb.toFixed(1)} MB over five 8 MiB-capped floods`)
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(closed, 6, 'each streaming answer was cut off at the upstream')
  const after = written
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(written, after, 'nothing is streamed any more')
  t.ok(written < 6 * 8 * MiB + 6 * 32 * MiB, `the upstream wrote ${(written / MiB).toFixed(0)} MiB in all (socket buffers beyond the cap only)`)
})

t.test('a declared Content-Length above the cap is refused before a byte is read; an error body is capped too', async t => {
  const { url } = await scriptedServer(t, (req, res) => {
    if (req.url === '/declared') { res.writeHead(200, { 'content-length': String(100 * MiB) }); res.write(Buffer.alloc(1024)); return }
    res.writeHead(500)
    res.end(Buffer.alloc(2 * MiB, 'e'))
  })
  const c = channel(t, url, { maxResponseBytes: MiB })
  const e = await c.send({ method: 'GET', path: '/declared', idempotent: true }).catch(e => e)
  t.ok(e instanceof HttpTooLargeError)
  t.equal(e.context.receivedBytes, 0)
  const e5 = await c.send({ method: 'GET', path: '/error', idempotent: true }).catch(e => e)
  t.ok(e5 instanceof HttpTooLargeError, 'a 500 with a flood for a body is not read whole either')
  t.equal(e5.context.status, 500)
})

t.test('a within-cap answer is read whole; the query is built and kept out of the error path', async t => {
  const { url, seen } = await scriptedServer(t, (req, res) => {
    if (req.url?.startsWith('/ok') === true) json(res, 200, { echo: req.url, big: 'y'.repeat(500_000) })
    else json(res, 404, { error: 'no such thing' })
  })
  const c = channel(t, `${url}/`, { maxResponseBytes: MiB })
  const res = await c.send({ method: 'GET', path: '/ok', query: { a: '1', b: undefined, n: 5 }, idempotent: true })
  t.equal(res.status, 200)
  t.equal(JSON.parse(res.text()).echo, '/ok?a=1&n=5')
  const e = await c.send({ method: 'GET', path: '/missing', query: { token: 'secret' }, idempotent: true }).catch(e => e)
  t.ok(e instanceof HttpStatusError)
  t.equal(e.path, undefined)
  t.equal(e.context.path, '/missing', 'the path without the query')
  t.notMatch(e.message, /secret/)
  t.equal(seen.length, 2)
})

t.test('500 then 200 is retried; 400 is not; a 5xx on a non-idempotent request is not', async t => {
  const { url, seen } = await scriptedServer(t, (req, res, n) => {
    if (req.url === '/flaky') { if (n === 1) json(res, 500, { error: 'boom' }); else json(res, 200, { ok: true }) } else if (req.url === '/bad') json(res, 400, { error: 'bad field' })
    else json(res, 503, { error: 'down' })
  })
  const c = channel(t, url)
  const res = await c.send({ method: 'GET', path: '/flaky', idempotent: true }, r => JSON.parse(r.text()) as unknown)
  t.same(res, { ok: true })
  t.equal(seen.length, 2, 'one failure, one retry')

  const e400 = await c.send({ method: 'GET', path: '/bad', idempotent: true }).catch(e => e)
  t.ok(e400 instanceof HttpStatusError)
  t.equal(e400.code, 'LC_ERR_HTTP_STATUS')
  t.equal(e400.status, 400)
  t.equal(e400.retryable, false)
  t.match(JSON.parse(e400.body), { error: 'bad field' }, 'the body is carried')
  t.equal(seen.length, 3, 'a 400 is not retried')

  const e503 = await c.send({ method: 'POST', path: '/create', json: { a: 1 }, idempotent: false }).catch(e => e)
  t.equal(e503.status, 503)
  t.equal(e503.retryable, true)
  t.equal(seen.length, 4, 'a 5xx on a create is not retried: it may have been processed')
  t.equal(seen[3]?.body, '{"a":1}')
  t.equal(seen[3]?.headers['content-type'], 'application/json')

  const eAll = await c.send({ method: 'GET', path: '/down', idempotent: true }).catch(e => e)
  t.equal(eAll.status, 503)
  t.equal(eAll.context.attempt, 3, 'gives up after the configured attempts')
  t.equal(seen.length, 7)
})

t.test('Retry-After in seconds is honoured, even for a POST answered 429', async t => {
  const { url, seen } = await scriptedServer(t, (_req, res, n) => {
    if (n === 1) json(res, 429, { error: 'slow down' }, { 'retry-after': '1' })
    else json(res, 200, { ok: true })
  })
  const c = channel(t, url)
  const res = await c.send({ method: 'POST', path: '/order', json: {}, idempotent: false })
  t.equal(res.status, 200)
  t.equal(res.attempt, 2)
  const gap = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)
  t.ok(gap >= 990, `waited ${gap.toFixed(0)} ms for Retry-After: 1`)
  t.ok(gap < 3_000, 'and not much longer')
})

t.test('Retry-After as an HTTP-date is read on the injected clock', async t => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0))
  const { url, seen } = await scriptedServer(t, (_req, res, n) => {
    if (n === 1) json(res, 503, { error: 'maintenance' }, { 'retry-after': new Date(clock.now() + 1_500).toUTCString() })
    else json(res, 200, { ok: true })
  })
  const c = channel(t, url, { clock })
  const res = await c.send({ method: 'GET', path: '/status', idempotent: true })
  t.equal(res.status, 200)
  const gap = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)
  // toUTCString() keeps whole seconds: the date says 00:00:01, one second after the clock.
  t.ok(gap >= 990, `waited ${gap.toFixed(0)} ms for a date 1 s ahead of the clock`)
  t.ok(gap < 3_000)
})

t.test('a Retry-After beyond the bound is shortened to it', async t => {
  const { url, seen } = await scriptedServer(t, (_req, res, n) => {
    if (n === 1) json(res, 503, {}, { 'retry-after': '3600' })
    else json(res, 200, { ok: true })
  })
  const c = channel(t, url, { retryAfterMaxMs: 300 })
  t.equal((await c.send({ method: 'GET', path: '/s', idempotent: true })).status, 200)
  const gap = (seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)
  t.ok(gap >= 290 && gap < 2_000, `waited ${gap.toFixed(0)} ms, not an hour`)
})

t.test('Retry-After values', async t => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0)
  t.equal(retryAfterMs('120', now), 120_000)
  t.equal(retryAfterMs(['0'], now), 0)
  t.equal(retryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now), 30_000, 'IMF-fixdate')
  t.equal(retryAfterMs('Thursday, 01-Jan-26 12:00:30 GMT', now), 30_000, 'RFC 850 form')
  t.equal(retryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now), 0, 'a date in the past means now')
  t.equal(retryAfterMs(undefined, now), undefined)
  t.equal(retryAfterMs('', now), undefined)
  t.equal(retryAfterMs('-5', now), undefined)
  t.equal(retryAfterMs('1.5', now), undefined)
  t.equal(retryAfterMs('soon', now), undefined)
})

t.test('a hang times out: no headers, or a body that stalls; retried only when idempotent', async t => {
  const { url, seen } = await scriptedServer(t, (req, res) => {
    if (req.url === '/stall') { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"codes":[') }
    // '/hang': no answer at all
  })
  const c = channel(t, url, { timeoutMs: 200, attempts: 2 })
  const started = performance.now()
  const e = await c.send({ method: 'GET', path: '/hang', idempotent: true }).catch(e => e)
  t.ok(e instanceof HttpTimeoutError)
  t.equal(e.code, 'LC_ERR_HTTP_TIMEOUT')
  t.match(e.context, { path: '/hang', attempt: 2, timeoutMs: 200 })
  t.equal(seen.length, 2, 'an idempotent request timed out once is tried again')
  t.ok(performance.now() - started >= 400)

  const es = await c.send({ method: 'POST', path: '/stall', json: {}, idempotent: false }).catch(e => e)
  t.ok(es instanceof HttpTimeoutError, 'the deadline covers the body too')
  t.equal(es.context.attempt, 1)
  t.ok((es.context.receivedBytes as number) > 0, 'some of the body had come')
  t.equal(seen.length, 3, 'a create that timed out is not sent again')
})

t.test('a refused connection is a network error marked not sent, retried even for a create', async t => {
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise(resolve => srv.close(resolve))
  const c = channel(t, `http://127.0.0.1:${port}`, { attempts: 3 })
  const e = await c.send({ method: 'POST', path: '/order', json: {}, idempotent: false }).catch(e => e)
  t.ok(e instanceof HttpNetworkError)
  t.equal(e.code, 'LC_ERR_HTTP_NETWORK')
  t.match(e.context, { errno: 'ECONNREFUSED', sent: false, attempt: 3 })
})

t.test('a dropped connection is retried for an idempotent request only', async t => {
  const { url, seen } = await scriptedServer(t, (req, res, n) => {
    if (n === 1 || req.url === '/create') { res.socket?.destroy(); return }
    json(res, 200, { ok: true })
  })
  const c = channel(t, url)
  t.equal((await c.send({ method: 'GET', path: '/status', idempotent: true })).status, 200)
  t.equal(seen.length, 2)
  const e = await c.send({ method: 'POST', path: '/create', json: {}, idempotent: false }).catch(e => e)
  t.ok(e instanceof HttpNetworkError)
  t.equal(e.context.sent, true, 'it reached the server')
  t.equal(seen.length, 3, 'and is not sent again')
})

t.test('a reader that throws a retryable error (garbage from a proxy) retries the request', async t => {
  const { url, seen } = await scriptedServer(t, (_req, res, n) => {
    if (n === 1) { res.writeHead(200); res.end('<html>proxy</html>') } else json(res, 200, { ok: true })
  })
  const c = channel(t, url)
  const v = await c.send({ method: 'GET', path: '/s', idempotent: true }, r => {
    try { return JSON.parse(r.text()) as unknown } catch { throw Object.assign(new Error('not JSON'), { retryable: true }) }
  })
  t.same(v, { ok: true })
  t.equal(seen.length, 2)
})

t.test('the rate limit spaces requests, retries included', async t => {
  const { url, seen } = await scriptedServer(t, (_req, res) => { json(res, 200, {}) })
  const c = channel(t, url, { maxRequestsPerSecond: 20 })
  await Promise.all(Array.from({ length: 10 }, () => c.send({ method: 'GET', path: '/s', idempotent: true })))
  t.equal(seen.length, 10)
  const span = (seen[9]?.at ?? 0) - (seen[0]?.at ?? 0)
  t.ok(span >= 9 * 50 - 15, `10 requests at 20/s spread over ${span.toFixed(0)} ms (≥ 450)`)
  let tooClose = 0
  for (let i = 1; i < seen.length; i++) if ((seen[i]?.at ?? 0) - (seen[i - 1]?.at ?? 0) < 30) tooClose++
  t.equal(tooClose, 0, 'no two requests bunched together')
})

t.test('per-call headers are computed each attempt; closing stops a retry in progress', async t => {
  const { url, seen } = await scriptedServer(t, (_req, res) => { json(res, 503, {}, { 'retry-after': '30' }) })
  const c = new HttpChannel({ upstream: 'Test', baseUrl: url, attempts: 5, maxRequestsPerSecond: 100 })
  const p = c.send({ method: 'GET', path: '/s', query: { id: 'x' }, idempotent: true, prepare: ({ attempt, target }) => ({ 'x-attempt': String(attempt), 'x-target': target }) }).catch(e => e)
  await new Promise(resolve => setTimeout(resolve, 200))
  const started = performance.now()
  await c.close()
  const e = await p
  t.ok(performance.now() - started < 1_000, 'close did not wait out the Retry-After')
  t.ok(e instanceof HttpStatusError)
  t.equal(seen.length, 1)
  t.equal(seen[0]?.headers['x-attempt'], '1')
  t.equal(seen[0]?.headers['x-target'], '/s?id=x')
  const after = await c.send({ method: 'GET', path: '/s', idempotent: true }).catch(e => e)
  t.ok(after instanceof HttpNetworkError)
  t.equal(after.context.sent, false, 'a closed channel sends nothing')
})
