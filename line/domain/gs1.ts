// GS1 primitives every part of the line shares (printers and verifiers too): the mod-10 check digit, the AI-82 character set, the group separator.

export const GS = '\u001d'

/** GS1 General Specifications §7.9.1: check digit over the digits before it, weights 3,1,3,… from the right. */
export function gs1CheckDigit (digitsWithoutCheck: string): number {
  let sum = 0
  let weight = 3
  for (let i = digitsWithoutCheck.length - 1; i >= 0; i--) {
    sum += (digitsWithoutCheck.charCodeAt(i) - 48) * weight
    weight = 4 - weight
  }
  return (10 - (sum % 10)) % 10
}

export function isDigits (s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return s.length > 0
}

/** GS1 General Specifications Figure 7.11-1: AI encodable character set 82. */
export const AI82 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"%&\'()*+,-./_:;=<>?'
const AI82_TABLE = new Uint8Array(128)
for (let i = 0; i < AI82.length; i++) AI82_TABLE[AI82.charCodeAt(i)] = 1

/** Index of the first character outside set 82, or -1. */
export function firstNonAi82 (s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || AI82_TABLE[c] !== 1) return i
  }
  return -1
}
