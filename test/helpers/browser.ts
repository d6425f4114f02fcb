// Shared by the browser tests: Debian's chromium (driven by playwright-core) and where screenshots go.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CHROMIUM = '/usr/bin/chromium'

/** Why a browser test cannot run here, or null when chromium is installed. */
export const chromiumMissing: string | null = existsSync(CHROMIUM) ? null : `skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`

/**
 * Where screenshots are written, ending in '/': docs/screenshots/ only on request (LC_UPDATE_SCREENSHOTS=1), so a
 * test run leaves the tree clean; a temporary directory otherwise.
 */
export const SHOTS = process.env.LC_UPDATE_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : `${mkdtempSync(join(tmpdir(), 'hmi-shots-'))}/`

/** The panel's login form filled in and sent; resolves once the line view is up. */
export async function logIn (page: { goto(url: string): Promise<unknown>, waitForSelector(s: string): Promise<unknown>, fill(s: string, v: string): Promise<void>, click(s: string): Promise<void> }, url: string, user: string, password: string): Promise<void> {
  await page.goto(url)
  await page.waitForSelector('#login')
  await page.fill('input[name=username]', user)
  await page.fill('input[name=password]', password)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('#state')
}

/** Chromium's switches for a headless run that asks nothing of the network. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

/** Debian's chromium through playwright-core, closed at the test's teardown. */
export async function launchChromium (t: { teardown(fn: () => unknown): void }, extraArgs: readonly string[] = []): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] })
  t.teardown(() => browser.close())
  return browser
}

/**
 * A page of the panel in a fresh browser context (its own cookies and storage) at `viewport`, in the browser locale
 * `locale`; what the page throws is collected in `pageErrors`, for the test to find empty at the end.
 */
export async function openPage (browser: import('playwright-core').Browser, viewport: { width: number, height: number }, locale: string): Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, pageErrors: string[] }> {
  const context = await browser.newContext({ viewport, locale })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', e => pageErrors.push(e.message))
  return { context, page, pageErrors }
}

/** Elements under `selector` wider than the window, or a page that scrolls sideways (at most five named). */
export function overflowOf (page: import('playwright-core').Page, selector = 'main *'): Promise<string[]> {
  return page.evaluate(sel => {
    const w = document.documentElement.clientWidth
    const out: string[] = []
    if (document.documentElement.scrollWidth > w) out.push(`page ${document.documentElement.scrollWidth} > ${w}`)
    for (const el of Array.from(document.querySelectorAll(sel))) {
      const r = el.getBoundingClientRect()
      if (r.width > 0 && r.right > w + 1) out.push(`${el.tagName.toLowerCase()}${el.id === '' ? '' : `#${el.id}`}.${String(el.className)} right ${Math.round(r.right)} > ${w}`)
    }
    return out.slice(0, 5)
  }, selector)
}
