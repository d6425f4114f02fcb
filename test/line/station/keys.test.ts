// The station screen's key mapping (line/hmi/panel/station.ts usCharacter): every character a marking code may hold,
// typed by a US-layout HID scanner into a panel PC on the US or on the Russian layout, comes out as the scanner sent it.
import t from 'tap'
import { usCharacter } from '../../../line/hmi/panel/station.ts'

// key position → [US, US+Shift, Russian, Russian+Shift]
const KEYS: Array<[string, string, string, string, string]> = []
const row = (us: string, usS: string, ru: string, ruS: string, codes: string[]): void => {
  codes.forEach((c, i) => { KEYS.push([c, us[i]!, usS[i]!, ru[i]!, ruS[i]!]) })
}
row('`1234567890-=', '~!@#$%^&*()_+', 'ё1234567890-=', 'Ё!"№;%:?*()_+', ['Backquote', 'Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0', 'Minus', 'Equal'])
row('qwertyuiop[]\\', 'QWERTYUIOP{}|', 'йцукенгшщзхъ\\', 'ЙЦУКЕНГШЩЗХЪ/', [...'QWERTYUIOP'].map(c => `Key${c}`).concat(['BracketLeft', 'BracketRight', 'Backslash']))
row("asdfghjkl;'", 'ASDFGHJKL:"', 'фывапролджэ', 'ФЫВАПРОЛДЖЭ', [...'ASDFGHJKL'].map(c => `Key${c}`).concat(['Semicolon', 'Quote']))
row('zxcvbnm,./', 'ZXCVBNM<>?', 'ячсмитьбю.', 'ЯЧСМИТЬБЮ,', [...'ZXCVBNM'].map(c => `Key${c}`).concat(['Comma', 'Period', 'Slash']))

t.test('US layout: every key types what it shows', async t => {
  for (const [code, us, usS] of KEYS) {
    t.equal(usCharacter(us, code, false), us, code)
    t.equal(usCharacter(usS, code, true), usS, `Shift+${code}`)
  }
  t.equal(usCharacter('!', 'Digit1', false), '!', 'a shifted character reported without the Shift flag (synthetic typing) is kept')
})

t.test('Russian layout: each key position is taken back to the US character', async t => {
  for (const [code, us, usS, ru, ruS] of KEYS) {
    t.equal(usCharacter(ru, code, false), us, `${code}: «${ru}» → «${us}»`)
    t.equal(usCharacter(ruS, code, true), usS, `Shift+${code}: «${ruS}» → «${usS}»`)
  }
})

t.test('GS and keys outside the main block are kept', async t => {
  t.equal(usCharacter('\u001d', '', false), '\u001d')
  t.equal(usCharacter('7', 'Numpad7', false), '7')
  t.equal(usCharacter('x', '', false), 'x', 'no key position known: the character as typed')
})
