// Pure pieces shared by driver and simulator: ZPL escapes, the ~HS strings, the ASCII register packing.
import fc from 'fast-check'
import t from 'tap'
import { AI82, GS } from '../../line/codes/index.ts'
import { MAX_SLOT_CHARS, MSG_DATA_REGISTERS, packAscii, recordBlock, RECORD_BLOCK_LENGTH, unpackAscii } from '../../printers/modbus-head/map.ts'
import { formatHostStatus, parseHostStatus, StxEtxReader } from '../../printers/zpl-label/host-status.ts'
import { dataMatrixData, humanReadable, unitLabel } from '../../printers/zpl-label/zpl.ts'
import { decodeDataMatrix, decodeFh, ZplParser } from '../../sim/printers/zpl-parse.ts'

const codeChars = fc.string({ unit: fc.constantFrom(...AI82.split(''), GS), minLength: 1, maxLength: 140 })

t.test('^BX data with _ escape round-trips any code: _1 FNC1 first and for GS, __ for a literal _', async t => {
  fc.assert(fc.property(codeChars, code => {
    const d = decodeDataMatrix(dataMatrixData(code), '_')
    return d.gs1 && d.data === code
  }))
  t.equal(dataMatrixData(`0104601653030048215a_b${GS}93abcd`), '_10104601653030048215a__b_193abcd')
})

t.test('^FH hex runs before barcode escapes', async t => {
  t.equal(decodeFh('AB\\1DCD', '\\'), `AB${GS}CD`)
  const p = new ZplParser()
  const ev = p.push('^XA^FO1,1^BXN,6,200,0,0,,_^FH\\^FD_101046016530300482151\\5F^FS^XZ')
  t.equal(ev.length, 1)
  t.match(ev[0], { kind: 'label', label: { barcodes: [{ type: 'datamatrix', gs1: true, data: '01046016530300482151_' }] } })
})

t.test('the parser survives formats split at any byte and ignores text outside ^XA…^XZ', async t => {
  const zpl = 'junk' + unitLabel({ id: 1, code: `0104601653030048215ab${GS}93xyzw` }) + '~HS' + unitLabel({ id: 2, code: '0104601653030048215cd' })
  for (let cut = 1; cut < zpl.length; cut += 7) {
    const p = new ZplParser()
    const ev = [...p.push(zpl.slice(0, cut)), ...p.push(zpl.slice(cut))]
    t.same(ev.map(e => e.kind), ['label', 'tilde', 'label'], `cut at ${cut}`)
  }
})

t.test('~HS strings: format and parse agree; noise and short strings are rejected', async t => {
  const st = { paperOut: true, paused: false, formatsInBuffer: 3, bufferFull: false, underTemperature: false, overTemperature: true, headUp: true, ribbonOut: false, labelsRemaining: 2 }
  const r = new StxEtxReader()
  const { frames, noise } = r.push(formatHostStatus(st).slice(0, 10))
  t.same(frames, [])
  const rest = r.push('xx' + formatHostStatus(st).slice(10))
  t.equal(noise, '')
  t.equal(rest.frames.length, 3)
  t.same(parseHostStatus(rest.frames[0]!, rest.frames[1]!), st)
  t.equal(parseHostStatus('1,2', 'x'), null)
  t.equal(parseHostStatus('030,0,0,1218,abc,0,0,0,000,0,0,0', '001,0,0,0,0,2,4,0,00000000,1,000'), null)
  t.equal(r.push('garbage\x15').noise, 'garbage\x15')
})

t.test('human-readable text shows GTIN and serial only', async t => {
  t.equal(humanReadable(`0104601653030048215abcde${GS}93xyzw`), '(01)04601653030048(21)5abcde')
  t.equal(humanReadable('04601653030048abcdefg1234xyzw'), '04601653030048abcdefg1234xyzw')
})

t.test('register packing: two ASCII characters a register, the record block fits one FC 16', async t => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...AI82.split(''), GS), maxLength: MAX_SLOT_CHARS }), s => unpackAscii(packAscii(s, MSG_DATA_REGISTERS), s.length) === s))
  t.equal(recordBlock('A'.repeat(MAX_SLOT_CHARS), 7).length, RECORD_BLOCK_LENGTH)
  t.ok(RECORD_BLOCK_LENGTH <= 123, 'Modbus FC 16 carries at most 123 registers')
  t.same(recordBlock('ABC', 65537), [1, 3, 0x4142, 0x4300], 'sequence numbers wrap at 16 bits; only needed registers')
})
