// Fuzz: any YAML text or object as a config is either a valid config or a ConfigError listing problems by key,
// never another exception (a wrong config must stop with every problem listed, not a stack trace).
import t from 'tap'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { ConfigError, parseConfig, validateConfig } from '../../line/config/load.ts'

const KEYS = ['site', 'line', 'store', 'pool', 'oms', 'trueApi', 'signer', 'reports', 'broker', 'printers', 'cameras', 'plc', 'hmi', 'l3', 'job', 'aggregation', 'profiles', 'log']
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('10s', '-1', '1e309', '__proto__', 'tcp://*:0', '/proc/x'))
const value = fc.letrec(tie => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS, 'port', 'host', 'id', 'driver', 'transport', 'kind', 'role', 'url', 'password', 'users', 'curve'), fc.string()), tie('v'), { maxKeys: 4 })),
})).v

function only (t: { fail(msg: string): unknown }, f: () => unknown): boolean {
  try { f(); return true } catch (err) {
    if (err instanceof ConfigError) { return err.problems.length > 0 && err.problems.every(p => typeof p === 'string' && p.length > 0) }
    t.fail(`not a ConfigError: ${(err as Error)?.stack ?? String(err)}`)
    return false
  }
}

t.test('random objects: a config or a ConfigError, nothing else', async t => {
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }), raw => only(t, () => validateConfig({ site: 's', line: 'l', ...raw }))), { numRuns: 1500 })
})

t.test('random text as YAML: a config or a ConfigError', async t => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), value.map(v => stringify({ site: 's', line: 'l', x: v }))), text => only(t, () => parseConfig(text))), { numRuns: 1500 })
})
