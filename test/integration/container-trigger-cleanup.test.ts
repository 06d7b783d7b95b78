/**
 * When the triggerer ends a container trigger because no try will collect its container (the
 * trigger row was deleted: deferral timed out, task instance cleared or marked; or the trigger
 * failed), it stops and removes the container; when the trigger merely moves to another triggerer
 * or the triggerer stops, the container is left running. Driven through RunningTriggers with the
 * real container trigger on the kubernetes engine, against the Kubernetes API TEST DOUBLE
 * (test/support/kube-api-double.ts): no real cluster runs here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TriggerRow } from '../../src/db/index.js';
import { TRIGGER_CLASSPATHS } from '../../src/models/index.js';
import { RunningTriggers } from '../../src/triggerer/running-triggers.js';
import { waitFor } from '../support/gale-home.js';
import { KubeApiDouble } from '../support/kube-api-double.js';

const NAMESPACE = 'pods';

describe('container trigger cleanup', () => {
  let double: KubeApiDouble;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    double = new KubeApiDouble();
    await double.start();
    dir = mkdtempSync(join(tmpdir(), 'gale-trigger-cleanup-'));
    kubeconfig = double.writeKubeconfig(join(dir, 'kubeconfig'));
  });

  afterEach(async () => {
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A running pod in the double, and the container trigger's row that waits for it. */
  async function runningPod(id: number): Promise<{ name: string; row: TriggerRow }> {
    const name = `gale-pod-${id}`;
    const created = await fetch(`${double.url}/api/v1/namespaces/${NAMESPACE}/pods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${double.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'base', image: 'busybox' }] },
      }),
    });
    expect(created.status).toBe(201);
    double.setRunning(name);
    const kwargs = {
      engine: 'kubernetes',
      name,
      namespace: NAMESPACE,
      poll_interval_ms: 50,
      kubernetes: { in_cluster: false, config_file: kubeconfig, context: '', pending_timeout_ms: 60_000 },
    };
    const row: TriggerRow = {
      id,
      classpath: TRIGGER_CLASSPATHS.container,
      fileloc: null,
      kwargs: JSON.stringify(kwargs),
      created_date: new Date().toISOString(),
      triggerer_id: 1,
    };
    return { name, row };
  }

  const cases: {
    name: string;
    end: (t: RunningTriggers, id: number) => Promise<void>;
    isDeleted: boolean;
  }[] = [
    {
      name: 'deleted trigger (timed out, cleared, marked): the pod is deleted',
      end: async (t, id) => t.stop(id, { cleanUp: true }),
      isDeleted: true,
    },
    {
      name: 'taken over by another triggerer: the pod runs on',
      end: async (t, id) => t.stop(id),
      isDeleted: false,
    },
    {
      name: 'the triggerer stops: the pod runs on',
      end: (t) => t.stopAll(),
      isDeleted: false,
    },
  ];

  it.each(cases)('$name', async ({ end, isDeleted }) => {
    const triggers = new RunningTriggers({
      clock: { now: () => new Date() },
      log: pino({ level: 'silent' }),
      onSettled: () => {},
    });
    const { name, row } = await runningPod(1);
    triggers.start(row);
    await end(triggers, row.id);
    await triggers.stopAll(); // waits for cleanups under way
    expect(double.pods.has(name)).toBe(!isDeleted);
  });

  it('a failed trigger (the pod cannot pull its image): cleanUp deletes the pod', async () => {
    const triggers = new RunningTriggers({
      clock: { now: () => new Date() },
      log: pino({ level: 'silent' }),
      onSettled: () => {},
    });
    const { name, row } = await runningPod(2);
    triggers.start(row);
    double.setWaiting(name, 'ErrImagePull', 'pull access denied');
    await waitFor(() => triggers.settled()[0], { what: 'the trigger to fail' });
    expect(triggers.settled()[0]).toMatchObject({ kind: 'failed', triggerId: 2 });
    triggers.cleanUp(2);
    await triggers.stopAll();
    expect(double.pods.has(name)).toBe(false);
  });
});
