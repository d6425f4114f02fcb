// The camera simulator: image and fast fidelity modes, defects and faults.
export * from './scenario.ts'
export * from './degrade.ts'
export * from './camera.ts'
