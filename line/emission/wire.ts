// Builds the emission parts from the validated config sections, for the composition root (line/main.ts).
import type { z } from 'zod'
import type { omsSchema, poolSchema } from '../config/sections/services.ts'
import type { Logger } from '../log.ts'
import { OmsClient } from './client.ts'
import type { ReplenishSizing } from './replenisher.ts'
import { StaticTokenProvider, type RequestSigner, type TokenProvider } from './token.ts'
import { LineError } from '../domain/errors.ts'

export type OmsConfig = z.output<typeof omsSchema>
export type PoolSizingConfig = z.output<typeof poolSchema>

/** An OMS client from `oms:`; without a token provider (the True API sign-in of `omsConnection`), the static `oms.clientToken`. */
export function omsClientFromConfig (oms: OmsConfig, deps: { tokens?: TokenProvider, signer?: RequestSigner, log?: Logger } = {}): OmsClient {
  let tokens = deps.tokens
  if (tokens === undefined) {
    if (oms.omsConnection !== undefined && oms.omsConnection !== '') throw new LineError('LC_ERR_CONFIG', 'oms.omsConnection needs a trueApi section: the OMS clientToken is signed in through the True API (OMS guide §9.1.2)', { section: 'oms' })
    if (oms.clientToken === undefined || oms.clientToken === '') throw new LineError('LC_ERR_CONFIG', 'oms needs clientToken or omsConnection (with a trueApi section) for its token', { section: 'oms' })
    tokens = new StaticTokenProvider(oms.clientToken)
  }
  if (oms.signRequests && deps.signer === undefined) throw new LineError('LC_ERR_CONFIG', 'oms.signRequests is on but no signer was given', { section: 'oms' })
  return new OmsClient({
    url: oms.url,
    omsId: oms.omsId,
    tokens,
    timeoutMs: oms.timeoutMs,
    maxRequestsPerSecond: oms.maxRequestsPerSecond,
    attempts: oms.attempts,
    backoffBaseMs: oms.retryBaseMs,
    backoffMaxMs: oms.retryMaxMs,
    ...(oms.signRequests && deps.signer !== undefined ? { signer: deps.signer } : {}),
    ...(deps.log !== undefined ? { log: deps.log } : {}),
  })
}

/** Replenishment sizing from `pool:`. */
export function sizingFromConfig (pool: PoolSizingConfig): Partial<ReplenishSizing> {
  return {
    lowWatermarkMinutes: pool.lowWatermarkMinutes,
    targetMinutes: pool.targetMinutes,
    lowWatermarkCodes: pool.lowWatermarkCodes,
    targetCodes: pool.targetCodes,
    blockSize: pool.blockSize,
    maxOrderCodes: pool.maxOrderCodes,
  }
}
