// True API (GIS MT) client: auth and tokens, documents, their builders and errors.
export * from './errors.ts'
export * from './auth.ts'
export * from './documents.ts'
export * from './client.ts'
export { TrueApiHttp } from './http.ts'
export { TokenStore } from './token-store.ts'
