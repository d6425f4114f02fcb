// What a set-up test print carries (docs/setup-mode.md): plain text that no product group's parser takes for a marking
// code — no GS1 application identifier at its start, no GS, no crypto tail — and that says what it is.
// ASCII only: Modbus heads and laser markers take 7-bit characters (docs/printers.md), so "ТЕСТ" cannot go to them.

/** Every test print starts with this word and a space; a marking code never does (GS1: digits first; tobacco pack: 14 digits). */
export const TEST_PRINT_PREFIX = 'TEST '

/** At most this many test prints per request: an alignment needs a few, never a run. */
export const MAX_TEST_PRINTS = 20

const two = (n: number): string => String(n).padStart(2, '0')

/** `TEST <line> <yyyy-mm-dd hh:mm:ss> #n/N` in the controller's local time. */
export function testPrintText (o: { line: string, at: number, n: number, of: number }): string {
  const d = new Date(o.at)
  const when = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  // the line name goes in as ASCII letters, digits, "-" and "_" only (it is a topic part, config/schema.ts)
  const line = o.line.replace(/[^A-Za-z0-9_-]/g, '_')
  return `${TEST_PRINT_PREFIX}${line} ${when} #${o.n}/${o.of}`
}

/** True for the text of a test print (a camera that reads one is not reading a product's code). */
export function isTestPrint (code: string | null | undefined): boolean {
  return typeof code === 'string' && code.startsWith(TEST_PRINT_PREFIX)
}
