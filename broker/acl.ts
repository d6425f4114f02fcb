// Who may publish and subscribe where: the topic ACL of the embedded broker, as a table of role rules.
// Every rule is a topic filter relative to `<site>/<line>/`; `{id}` is the client's device id.

export type Role = 'controller' | 'plc' | 'camera' | 'hmi' | 'observer'

export interface Principal {
  username: string
  role: Role
  /** Cameras: the camera id in `cam/<id>/…`. */
  deviceId?: string
}

interface RoleRules { publish: readonly string[], subscribe: readonly string[] }

/** The table is the documentation: anything not listed is refused. */
export const ROLE_RULES: Readonly<Record<Role, RoleRules>> = {
  controller: { publish: ['#'], subscribe: ['#'] },
  // A camera reports only as itself; it may listen to its own commands and the line state.
  camera: { publish: ['cam/{id}/#'], subscribe: ['cam/{id}/#', 'state'] },
  // The PLC reports triggers and commands, and listens to the rejects it must execute and the line state.
  plc: { publish: ['plc/#'], subscribe: ['plc/reject', 'plc/+/reject', 'plc/accept', 'state'] },
  // The HMI watches everything and sends nothing on MQTT (operator commands go through its HTTP API).
  hmi: { publish: [], subscribe: ['#'] },
  observer: { publish: [], subscribe: ['#'] },
}

/**
 * True when every topic matched by `filter` is also matched by `allowed` (both MQTT topic filters).
 * A topic name without wildcards is a filter that matches only itself.
 */
export function filterWithin (filter: string, allowed: string): boolean {
  const f = filter.split('/')
  const a = allowed.split('/')
  for (let i = 0; i < a.length; i++) {
    const al = a[i] as string
    if (al === '#') return true
    const fl = f[i]
    if (fl === undefined) return false
    if (fl === '#') return false
    if (al === '+') continue
    if (fl === '+' || fl !== al) return false
  }
  return f.length === a.length
}

function rulesFor (p: Principal, kind: 'publish' | 'subscribe', prefix: string): string[] {
  const rules = ROLE_RULES[p.role][kind]
  const out: string[] = []
  for (const r of rules) {
    if (r.includes('{id}')) {
      // A camera without a device id, or with one that is not a single topic level, gets nothing.
      if (p.deviceId === undefined || !/^[A-Za-z0-9_-]+$/.test(p.deviceId)) continue
      out.push(`${prefix}/${r.replace('{id}', p.deviceId)}`)
    } else {
      out.push(`${prefix}/${r}`)
    }
  }
  return out
}

export class TopicAcl {
  readonly prefix: string
  constructor (site: string, line: string) {
    this.prefix = `${site}/${line}`
  }

  canPublish (p: Principal, topic: string): boolean {
    // [MQTT-3.3.2-2] a PUBLISH topic name must not contain wildcards; aedes rejects it earlier, we do too.
    if (topic.includes('+') || topic.includes('#') || topic.startsWith('$')) return false
    return rulesFor(p, 'publish', this.prefix).some(r => filterWithin(topic, r))
  }

  canSubscribe (p: Principal, filter: string): boolean {
    if (filter.startsWith('$')) return false
    return rulesFor(p, 'subscribe', this.prefix).some(r => filterWithin(filter, r))
  }
}
