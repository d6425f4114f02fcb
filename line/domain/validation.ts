// Validation problems as text: a zod issue becomes "path: message", written the same way wherever input is checked.

/**
 * The part of a validation issue this module reads, declared here so that the vocabulary imports no package (a zod
 * issue has this shape: `code`, `path`, `message`, and `keys` / `minimum` / `maximum` for the codes that carry them).
 */
export interface ValidationIssue {
  code: string
  path: readonly PropertyKey[]
  message: string
  keys?: readonly string[]
  minimum?: unknown
  maximum?: unknown
}

/** One problem with the input: where (`printers[1].transport.port`, or the root marker) and what. */
export interface IssueText { path: string, message: string }

/** `printers[1].transport.port` from a zod path; `root` when the problem is the whole input. */
export function formatPath (path: readonly PropertyKey[], root = '(root)'): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : (out === '' ? String(p) : `.${String(p)}`)
  return out === '' ? root : out
}

/** Zod's message, shortened where its default wording only repeats what the path already says. */
export function issueMessage (issue: ValidationIssue): string {
  let msg = issue.message.replace(/^Invalid (input|option): /, '')
  if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => `"${k}"`).join(', ')}`
  if (issue.code === 'invalid_type' && /received undefined$/.test(msg)) msg = 'required'
  if (issue.code === 'too_small' && /^Too small/.test(msg)) msg = `must be at least ${String(issue.minimum)}`
  if (issue.code === 'too_big' && /^Too big/.test(msg)) msg = `must be at most ${String(issue.maximum)}`
  return msg
}

/** Every issue as `{ path, message }`, for answers that carry problems as data (the L3 nack). */
export function issueList (issues: readonly ValidationIssue[], root = '(root)'): IssueText[] {
  return issues.map(i => ({ path: formatPath(i.path, root), message: issueMessage(i) }))
}

/** Every issue as one "path: message" line, for error messages, logs and alarms. */
export function issueLines (issues: readonly ValidationIssue[], root = '(root)'): string[] {
  return issueList(issues, root).map(i => `${i.path}: ${i.message}`)
}
