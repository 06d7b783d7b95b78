import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type PodVerdict, podVerdict } from '../../../../src/executors/kubernetes/index.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const PENDING_TIMEOUT_MS = 300_000;

function pod(status: V1Pod['status'], createdSecondsAgo = 10): V1Pod {
  return {
    metadata: { name: 'p', creationTimestamp: new Date(NOW - createdSecondsAgo * 1000) },
    spec: { containers: [{ name: 'base' }] },
    status,
  };
}
const base = (state: object) => [
  { name: 'base', image: 'i', imageID: '', ready: false, restartCount: 0, state },
];

const cases: [string, V1Pod, PodVerdict['kind'], RegExp | null, number | null][] = [
  ['just created', pod({ phase: 'Pending' }), 'pending', null, null],
  [
    'pulling its image',
    pod({ phase: 'Pending', containerStatuses: base({ waiting: { reason: 'ContainerCreating' } }) }),
    'pending',
    null,
    null,
  ],
  ['running', pod({ phase: 'Running', containerStatuses: base({ running: {} }) }), 'running', null, null],
  ['phase Unknown (node lost for a while)', pod({ phase: 'Unknown' }, 1000), 'running', null, null],
  [
    'succeeded',
    pod({ phase: 'Succeeded', containerStatuses: base({ terminated: { exitCode: 0 } }) }),
    'succeeded',
    null,
    null,
  ],
  [
    'base ended 0, a sidecar still runs',
    pod({ phase: 'Running', containerStatuses: base({ terminated: { exitCode: 0 } }) }),
    'succeeded',
    null,
    null,
  ],
  [
    'exit code 2',
    pod({ phase: 'Failed', containerStatuses: base({ terminated: { exitCode: 2, reason: 'Error' } }) }),
    'failed',
    /^exit code 2$/,
    2,
  ],
  [
    'OOMKilled',
    pod({ phase: 'Failed', containerStatuses: base({ terminated: { exitCode: 137, reason: 'OOMKilled' } }) }),
    'failed',
    /^OOMKilled \(exit code 137\)$/,
    137,
  ],
  [
    'base failed, a sidecar still runs',
    pod({ phase: 'Running', containerStatuses: base({ terminated: { exitCode: 1 } }) }),
    'failed',
    /exit code 1/,
    1,
  ],
  [
    'Failed without container status',
    pod({ phase: 'Failed', reason: 'DeadlineExceeded' }),
    'failed',
    /DeadlineExceeded/,
    null,
  ],
  [
    'stopped at activeDeadlineSeconds (DeadlineExceeded), its container killed',
    {
      ...pod({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
        containerStatuses: base({ terminated: { exitCode: 137, reason: 'Error' } }),
      }),
      spec: { containers: [{ name: 'base' }], activeDeadlineSeconds: 660 },
    },
    'failed',
    /^DeadlineExceeded: Kubernetes stopped the pod after 660s \(activeDeadlineSeconds: the executionTimeout/,
    137,
  ],
  [
    'evicted',
    pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }),
    'failed',
    /^Evicted: low on memory$/,
    null,
  ],
  [
    'ImagePullBackOff',
    pod({
      phase: 'Pending',
      containerStatuses: base({ waiting: { reason: 'ImagePullBackOff', message: 'no such image' } }),
    }),
    'failed',
    /^ImagePullBackOff: no such image$/,
    null,
  ],
  [
    'ErrImagePull',
    pod({ phase: 'Pending', containerStatuses: base({ waiting: { reason: 'ErrImagePull' } }) }),
    'failed',
    /ErrImagePull/,
    null,
  ],
  [
    'InvalidImageName',
    pod({ phase: 'Pending', containerStatuses: base({ waiting: { reason: 'InvalidImageName' } }) }),
    'failed',
    /InvalidImageName/,
    null,
  ],
  [
    'CreateContainerConfigError (a missing secret)',
    pod({ phase: 'Pending', containerStatuses: base({ waiting: { reason: 'CreateContainerConfigError' } }) }),
    'failed',
    /CreateContainerConfigError/,
    null,
  ],
  [
    'Pending past pending_timeout',
    pod(
      { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
      301,
    ),
    'failed',
    /Pending for more than 300s.*Unschedulable/,
    null,
  ],
  ['Pending just under pending_timeout', pod({ phase: 'Pending' }, 299), 'pending', null, null],
];

describe('podVerdict', () => {
  it.each(cases)('%s', (_what, p, kind, reason, exitCode) => {
    const verdict = podVerdict(p, NOW, PENDING_TIMEOUT_MS);
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'failed') {
      expect(verdict.reason).toMatch(reason!);
      expect(verdict.exitCode).toBe(exitCode);
    }
  });

  it('a pod stopped at its deadline timed out; other failures did not', () => {
    const timedOut = (p: V1Pod) => {
      const v = podVerdict(p, NOW, PENDING_TIMEOUT_MS);
      return v.kind === 'failed' && v.timedOut === true;
    };
    expect(timedOut(pod({ phase: 'Failed', reason: 'DeadlineExceeded' }))).toBe(true);
    expect(timedOut(pod({ phase: 'Failed', reason: 'Evicted' }))).toBe(false);
    expect(
      timedOut(pod({ phase: 'Failed', containerStatuses: base({ terminated: { exitCode: 137 } }) })),
    ).toBe(false);
  });

  it('reads creation times from watches (strings) as from lists (Dates)', () => {
    const p = pod({ phase: 'Pending' }, 400);
    const fromWatch = {
      ...p,
      metadata: { ...p.metadata, creationTimestamp: p.metadata!.creationTimestamp!.toISOString() },
    };
    expect(podVerdict(fromWatch as unknown as V1Pod, NOW, PENDING_TIMEOUT_MS).kind).toBe('failed');
  });
});
