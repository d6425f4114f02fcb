// Writes docs/alarms.md from the catalogue: `npx tsx docs/gen-alarms.ts` after changing line/domain/catalogue.ts.
import { writeFileSync } from 'node:fs'
import { catalogueMarkdown } from '../line/domain/catalogue-doc.ts'

writeFileSync(new URL('./alarms.md', import.meta.url), catalogueMarkdown())
