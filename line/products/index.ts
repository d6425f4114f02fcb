// The product catalogue: cards (store), the National Catalogue client, sync and manual entry (docs/catalogue.md).
export * from './catalogue.ts'
export * from './errors.ts'
export * from './nk-client.ts'
export * from './product.ts'
export * from './store.ts'
