// Before anything starts: busy ports, bad endpoints and a store path that is not storage are refused, each by its key.
import t from 'tap'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { parseConfig } from '../../line/config/load.ts'
import { preflight, preflightProblems, tcpEndpoint } from '../../line/config/preflight.ts'
import { freePort } from '../../sim/net.ts'
import { tempDir } from '../helpers/tmp.ts'

t.test('zeromq endpoints are read as the socket would', async t => {
  t.same(tcpEndpoint('tcp://127.0.0.1:5557'), { host: '127.0.0.1', port: 5557 })
  t.same(tcpEndpoint('tcp://*:5556'), { host: '0.0.0.0', port: 5556 })
  t.same(tcpEndpoint('tcp://127.0.0.1:*'), { host: '127.0.0.1', port: 0 }, 'any free port')
  t.equal(tcpEndpoint('ipc:///tmp/l3'), 'local')
  t.equal(tcpEndpoint('tcp://127.0.0.1'), null)
  t.equal(tcpEndpoint('http://x:1'), null)
  t.equal(tcpEndpoint('tcp://h:70000'), null)
})

t.test('a clean config on free ports passes', async t => {
  const dir = tempDir(t)
  const [hmi, broker, pub] = [await freePort(), await freePort(), await freePort()]
  const c = parseConfig(`site: s\nline: l\nstore: { path: ${join(dir, 'var', 'line.db')} }\nhmi: { port: ${hmi} }\nbroker: { port: ${broker} }\nl3: { pub: "tcp://127.0.0.1:${pub}" }\n`)
  t.same(await preflightProblems(c), [])
})

t.test('busy ports, clashing ports, bad endpoints and a store under /proc are each named by key', async t => {
  const busy = createServer()
  await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => busy.close())
  const port = (busy.address() as AddressInfo).port
  const free = await freePort()
  const c = parseConfig(`site: s\nline: l\nstore: { path: /proc/self/line.db }\nhmi: { port: ${port} }\nbroker: { port: ${free}, wsPort: ${free} }\nl3: { router: "tcp://127.0.0.1" }\n`)
  const problems = await preflightProblems(c)
  t.match(problems, [
    /^store\.path: \/proc\/self\/line\.db is under \/proc, which is not storage$/,
    /^l3\.router: not a zeromq endpoint/,
    new RegExp(`^hmi\\.port: port ${port} on 127\\.0\\.0\\.1 is in use by another program$`),
    new RegExp(`^broker\\.wsPort: port ${free} is also broker\\.port$`),
  ])
  t.equal(problems.length, 4, problems.join('\n'))
  await t.rejects(preflight(c), { code: 'LC_ERR_CONFIG' })
})

t.test('an external broker URL must be one', async t => {
  const c = parseConfig('site: s\nline: l\nbroker: { url: "nonsense", password: p }\nhmi: { port: 0 }\n')
  t.match(await preflightProblems(c), [/^broker\.url: not a URL/])
})

t.test('plc.transport: MQTT unless said; Modbus TCP with its defaults; its port checked like the others', async t => {
  t.same(parseConfig('site: s\nline: l\n').plc.transport, { kind: 'mqtt' }, 'existing configs are unchanged')
  t.same(parseConfig('site: s\nline: l\nplc: { transport: { kind: modbus-tcp } }\n').plc.transport,
    { kind: 'modbus-tcp', host: '0.0.0.0', port: 502, unitId: 255, heartbeatMs: 250, timeoutMs: 2000 })
  t.throws(() => parseConfig('site: s\nline: l\nplc: { transport: { kind: profinet } }\n'), /plc\.transport.*expected kind "mqtt" or "modbus-tcp"/s)
  t.throws(() => parseConfig('site: s\nline: l\nplc: { transport: { kind: modbus-tcp, heartbeatMs: 5 } }\n'), /between 20 ms and 10 s/)
  const busy = createServer()
  await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => busy.close())
  const port = (busy.address() as AddressInfo).port
  const c = parseConfig(`site: s\nline: l\nstore: { path: ${join(tempDir(t), 'line.db')} }\nhmi: { port: 0 }\nbroker: { port: 0 }\nplc: { transport: { kind: modbus-tcp, host: 127.0.0.1, port: ${port} } }\n`)
  t.match(await preflightProblems(c), [new RegExp(`^plc\\.transport\\.port: port ${port} on 127\\.0\\.0\\.1 is in use by another program$`)])
})
