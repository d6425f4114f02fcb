// Builds the single-page panel (line/hmi/panel) in memory with esbuild at server start: no build step, no network.
import { build } from 'esbuild'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { HmiError } from './errors.ts'

export interface PanelAssets { html: string, js: string, css: string }

const PANEL_DIR = fileURLToPath(new URL('./panel/', import.meta.url))

export async function buildPanel (): Promise<PanelAssets> {
  try {
    const [out, html, css] = await Promise.all([
      build({
        entryPoints: [`${PANEL_DIR}app.ts`],
        bundle: true,
        write: false,
        format: 'esm',
        target: 'es2020',
        platform: 'browser',
        minify: true,
        sourcemap: false,
        logLevel: 'silent',
        charset: 'utf8',
      }),
      readFile(`${PANEL_DIR}index.html`, 'utf8'),
      readFile(`${PANEL_DIR}style.css`, 'utf8'),
    ])
    const js = out.outputFiles[0]?.text
    if (js === undefined) throw new Error('esbuild produced no output')
    return { html, js, css }
  } catch (err) {
    throw new HmiError('LC_ERR_HMI_BUILD', 500, { ru: 'Не удалось собрать панель оператора', en: 'Cannot build the operator panel' }, { dir: PANEL_DIR }, { cause: err })
  }
}
