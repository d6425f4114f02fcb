// Reading the Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, in ms from `now`.

/**
 * Milliseconds to wait, or undefined when the header is absent or unreadable. A date in the past means "now" (0).
 * `now` is the caller's clock (the injected one), so an emulator on a simulated time base is read consistently.
 */
export function retryAfterMs (header: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(header) ? header[0] : header)?.trim()
  if (v === undefined || v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v) * 1000
  // An HTTP-date always names the weekday and GMT (IMF-fixdate, or the obsolete RFC 850 / asctime forms).
  if (!/[a-z]/i.test(v)) return undefined
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}
