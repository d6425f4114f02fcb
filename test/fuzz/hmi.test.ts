// Fuzz: random bodies, queries, path parameters and cookies on every panel route answer a clear 4xx (or 2xx) with
// an error code and a bilingual message, never a 500, and a refused request never reaches the line.
import t from 'tap'
import fc from 'fast-check'
import { Client, USERS, startHmi } from '../line/hmi/harness.ts'

const ROUTES: Array<[string, string]> = [
  ['POST', '/api/login'], ['POST', '/api/me/password'], ['POST', '/api/command'], ['POST', '/api/mode'], ['POST', '/api/job'],
  ['POST', '/api/alarms/{p}/ack'], ['POST', '/api/box/close'], ['POST', '/api/unit/remove'], ['POST', '/api/box/reprint'],
  ['POST', '/api/box/scrap'], ['GET', '/api/shift-report?{q}'], ['GET', '/api/shift-report.csv?{q}'], ['GET', '/api/audit?{q}'],
  ['POST', '/api/users'], ['PATCH', '/api/users/{p}'], ['GET', '/api/snapshot'], ['GET', '/api/me'],
]

const json = fc.jsonValue({ maxDepth: 3 })
const body = fc.oneof(
  json.map(v => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.record({ command: fc.string(), username: fc.string(), password: fc.string(), code: fc.string(), sscc: fc.string(), reason: fc.string(), mode: fc.string(), role: fc.string() }, { requiredKeys: [] }).map(v => JSON.stringify(v)),
)
const cookie = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 80 }).map(s => `lc_hmi=${s}`), fc.string({ maxLength: 80 }))

t.test('random requests on every route: never a 500, always a coded error', async t => {
  const h = await startHmi(t, { users: USERS })
  const engineer = new Client(h.url)
  t.equal(await engineer.login('petrova', 'engineer-pass-1'), 200)
  let served = 0
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...ROUTES), body, fc.string({ maxLength: 30 }), fc.string({ maxLength: 40 }), cookie, fc.boolean(),
    async ([method, route], b, p, q, c, asEngineer) => {
      const path = route.replace('{p}', encodeURIComponent(p)).replace('{q}', q.replace(/#/g, ''))
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (!asEngineer && c !== undefined) headers.cookie = c
      const client = asEngineer ? engineer : new Client(h.url)
      let r
      try {
        r = await client.req(method, path, method === 'GET' ? undefined : b, headers)
      } catch (err) {
        // undici refuses some header values itself (a cookie with a newline): not a request the server saw
        if (err instanceof TypeError) return true
        throw err
      }
      served++
      if (r.status >= 500) { t.fail(`${method} ${path} → ${r.status}: ${r.raw.slice(0, 300)}`); return false }
      if (r.status >= 400) {
        const e = r.body?.error
        if (typeof e?.code !== 'string' || typeof e?.message?.ru !== 'string' || typeof e?.message?.en !== 'string') {
          t.fail(`${method} ${path} → ${r.status} without a coded bilingual error: ${r.raw.slice(0, 300)}`)
          return false
        }
      }
      return true
    }), { numRuns: 400 })
  t.ok(served > 300, `${served} requests reached the server`)
  // the engineer's random commands may have been accepted; the anonymous ones never reach the line
  t.ok(h.line.calls.every(c => c.actor === 'petrova'), 'nothing reached the line without a session')
})
