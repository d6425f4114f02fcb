// Validation problems as text: a zod issue becomes "path: message", written the same way wherever input is checked.
import type { z } from 'zod'

/** One problem with the input: where (`printers[1].transport.port`, or the root marker) and what. */
export interface IssueText { path: string, message: string }

/** `printers[1].transport.port` from a zod path; `root` when the problem is the whole input. */
export function formatPath (path: readonly PropertyKey[], root = '(root)'): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : (out === '' ? String(p) : `.${String(p)}`)
  return out === '' ? root : out
}

/** Zod's message, shortened where its default wording only repeats what the path already says. */
export function issueMessage (issue: z.core.$ZodIssue): string {
  let msg = issue.message.replace(/^Invalid (input|option): /, '')
  if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => `"${k}"`).join(', ')}`
  if (issue.code === 'invalid_type' && /received undefined$/.test(msg)) msg = 'required'
  if (issue.code === 'too_small' && /^Too small/.test(msg)) msg = `must be at least ${String(issue.minimum)}`
  if (issue.code === 'too_big' && /^Too big/.test(msg)) msg = `must be at most ${String(issue.maximum)}`
  return msg
}

/** Every issue as `{ path, message }`, for answers that carry problems as data (the L3 nack). */
export function issueList (issues: readonly z.core.$ZodIssue[], root = '(root)'): IssueText[] {
  return issues.map(i => ({ path: formatPath(i.path, root), message: issueMessage(i) }))
}

/** Every issue as one "path: message" line, for error messages, logs and alarms. */
export function issueLines (issues: readonly z.core.$ZodIssue[], root = '(root)'): string[] {
  return issueList(issues, root).map(i => `${i.path}: ${i.message}`)
}
