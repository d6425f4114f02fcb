// The shared printer contract run against each driver and its simulator, over TCP and over a socat pty pair.
import t from 'tap'
import { printerContract } from './contract.ts'
import { hitachiTestMap, lpRig, modbusRig, zplRig, ztcpRig } from './rigs.ts'

// Seen under heavy load: every test passed and closed its ports, yet one read on a pty, still in libuv's thread pool
// inside serialport's bindings (a pending FSReqCallback), kept the process alive until tap's 120 s file timeout.
// Nothing is left to test by then: the process ends 5 s after the last teardown if nothing else ended it.
t.teardown(() => { setTimeout(() => process.exit(), 5000).unref() })

printerContract(t, 'modbus-head over TCP', async t => await modbusRig(t))
printerContract(t, 'modbus-head over RTU (pty)', async t => await modbusRig(t, { serial: true }))
// Every shipped head map (config/heads/): the simulator speaks the same map file the driver reads.
printerContract(t, 'modbus-head, Hitachi UX map, over TCP', async t => await modbusRig(t, { map: hitachiTestMap() }))
printerContract(t, 'modbus-head, Hitachi UX map, over RTU (pty)', async t => await modbusRig(t, { map: hitachiTestMap(), serial: true }))
printerContract(t, 'zpl-label over TCP', async t => await zplRig(t))
printerContract(t, 'zpl-label over serial (pty)', async t => await zplRig(t, { serial: true }))
printerContract(t, 'zpl-label print-and-apply (^MMA) over TCP', async t => await zplRig(t, { applicator: true }))
printerContract(t, 'videojet-ztcp over TCP', async t => await ztcpRig(t))
printerContract(t, 'videojet-ztcp over RS232 (pty)', async t => await ztcpRig(t, { serial: true }))
printerContract(t, 'panasonic-lp over Ethernet (TCP)', async t => await lpRig(t))
printerContract(t, 'panasonic-lp over RS-232C with check sum (pty)', async t => await lpRig(t, { serial: true, checksum: true }))
