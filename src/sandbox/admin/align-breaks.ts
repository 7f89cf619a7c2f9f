/**
 * "Break it" for a Jira Align instance: Cloudflare blocking Align Bot, an outage, a revoked API token, sync errors
 * on every project and board, and the gray Service Light of a service Support has not enabled.
 */
import type { DiagnosisCode } from '../../core/diagnosis.js';
import type { AlignInstance, AlignUser } from '../align-sim.js';
import type { Break } from './breaks.js';
import { FaultLayers } from './fault-layers.js';

export const alignFaults = new FaultLayers<AlignInstance>(
  (instance) => {
    instance.fault = undefined;
  },
  (instance) => {
    const { fault } = instance;
    return fault
      ? {
          by: `preset:${fault}`,
          set: (i) => {
            i.fault = fault;
          },
        }
      : undefined;
  },
);

const revokedUsers = new WeakMap<AlignInstance, AlignUser[]>();
const wasActive = new WeakMap<AlignInstance, Set<number>>();

function alignFaultBreak(
  id: string,
  code: DiagnosisCode,
  label: string,
  fault: 'ip-blocked' | 'server-error',
): Break<AlignInstance> {
  const by = `break:${id}`;
  return {
    id,
    side: 'align',
    code,
    label,
    active: (_w, instance) => alignFaults.has(instance, by),
    apply: (_w, instance) =>
      alignFaults.want(instance, by, (i) => {
        i.fault = fault;
      }),
    repair: (_w, instance) => alignFaults.drop(instance, by),
  };
}

export const ALIGN_BREAKS: Break<AlignInstance>[] = [
  alignFaultBreak('align-ip', 'ALIGN_IP_BLOCKED', 'Cloudflare blocks Align Bot’s IP address', 'ip-blocked'),
  alignFaultBreak('align-down', 'ALIGN_UNREACHABLE', 'Jira Align is down (502)', 'server-error'),
  {
    id: 'align-token',
    side: 'align',
    code: 'ALIGN_TOKEN_REJECTED',
    label: 'Revoke Align Bot’s Jira Align API token',
    active: (_w, instance) => revokedUsers.has(instance),
    apply: (_w, instance) => void revokedUsers.set(instance, instance.users.splice(0)),
    repair: (_w, instance) => {
      instance.users.push(...(revokedUsers.get(instance) ?? []));
      revokedUsers.delete(instance);
    },
  },
  {
    id: 'align-sync',
    side: 'align',
    code: 'ALIGN_SYNC_ERRORS',
    label: 'Every synced project and board reports a sync error',
    active: (world, instance) => world.align.failingSync.has(instance),
    apply: (world, instance) => void world.align.failingSync.add(instance),
    repair: (world, instance) => {
      world.align.failingSync.delete(instance);
      for (const c of world.align.connectors(instance)) {
        for (const item of [...c.connector.projects, ...c.connector.boards]) item.errorMessage = null;
      }
    },
  },
  {
    id: 'align-light',
    side: 'align',
    code: 'ALIGN_SERVICE_LIGHT_GRAY',
    label: 'Support has not enabled the service: Service Lights are gray',
    active: (world, instance) => world.align.grayByDefault.has(instance),
    apply: (world, instance) => {
      world.align.grayByDefault.add(instance);
      const active = world.align.connectors(instance).filter((c) => c.active);
      wasActive.set(instance, new Set(active.map((c) => c.connector.id)));
      for (const c of world.align.connectors(instance)) world.align.setServiceLight(c, 'gray');
    },
    repair: (world, instance) => {
      world.align.grayByDefault.delete(instance);
      const active = wasActive.get(instance);
      for (const c of world.align.connectors(instance)) {
        world.align.setServiceLight(c, 'green');
        if (active?.has(c.connector.id)) c.active = true;
      }
      wasActive.delete(instance);
    },
  },
];
