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
