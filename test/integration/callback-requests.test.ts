/**
 * Callback requests on the real metadata database (SQLite, and PostgreSQL in the postgres
 * project): one per run and kind however often it is asked for; claimed by one DAG processor;
 * taken over from a processor that stopped heartbeating, and given up after MAX_CALLBACK_ATTEMPTS.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claimCallbackRequests,
  finishCallbackRequest,
  type GaleDb,
  listCallbackRequests,
  MAX_CALLBACK_ATTEMPTS,
  migrate,
  openDatabase,
  requestCallback,
  startJob,
} from '../../src/db/index.js';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';

let h: GaleHome;
let gdb: GaleDb;

beforeEach(async () => {
  h = makeGaleHome();
  gdb = openDatabase(h.dbUrl);
  await migrate(gdb.db, { defaultPoolSlots: 128 });
});

afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

const T0 = new Date('2026-11-29T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const base = { dagId: 'd', fileloc: '/dags/d.ts', reason: 'success', now: T0 };

describe('callback requests', () => {
  it('are recorded once per run and kind, and claimed by one processor', async () => {
    await requestCallback(gdb.db, { ...base, kind: 'on_success', runId: 'r1' });
    await requestCallback(gdb.db, { ...base, kind: 'on_success', runId: 'r1' });
    await requestCallback(gdb.db, { ...base, kind: 'deadline', runId: 'r1', reason: 'deadline_missed' });
    await requestCallback(gdb.db, { ...base, kind: 'on_success', runId: 'r2' });
    const a = await startJob(gdb.db, 'dag_processor', T0);
    const b = await startJob(gdb.db, 'dag_processor', T0);
    const live = { now: at(1), liveSince: at(-60), limit: 10 };
    const [byA, byB] = await Promise.all([
      claimCallbackRequests(gdb.db, a, live),
      claimCallbackRequests(gdb.db, b, live),
    ]);
    const claimed = [...byA, ...byB].map((r) => `${r.run_id}/${r.kind}`).sort();
    expect(claimed).toEqual(['r1/deadline', 'r1/on_success', 'r2/on_success']);
    // a live processor's claims stay its own
    expect(await claimCallbackRequests(gdb.db, b, live)).toEqual([]);
    for (const r of byA) await finishCallbackRequest(gdb.db, r.id, { error: null, now: at(2) });
    for (const r of byB) await finishCallbackRequest(gdb.db, r.id, { error: 'boom', now: at(2) });
    const states = (await listCallbackRequests(gdb.db, 'd')).map((r) => r.state).sort();
    expect(states).toEqual([...byA.map(() => 'success'), ...byB.map(() => 'failed')].sort());
  });

  it('are taken over from a processor that stopped heartbeating, then given up on', async () => {
    await requestCallback(gdb.db, { ...base, kind: 'on_failure', runId: 'r1', reason: 'task_failure' });
    let attempt = 0;
    for (; attempt < MAX_CALLBACK_ATTEMPTS; attempt++) {
      // each processor dies with the request claimed; the next one's liveSince excludes it
      const processor = await startJob(gdb.db, 'dag_processor', at(attempt * 100));
      const claimed = await claimCallbackRequests(gdb.db, processor, {
        now: at(attempt * 100 + 1),
        liveSince: at(attempt * 100 - 10),
        limit: 10,
      });
      expect(claimed.map((r) => r.attempts)).toEqual([attempt + 1]);
    }
    const last = await startJob(gdb.db, 'dag_processor', at(1000));
    expect(
      await claimCallbackRequests(gdb.db, last, { now: at(1001), liveSince: at(990), limit: 10 }),
    ).toEqual([]);
    const [row] = await listCallbackRequests(gdb.db, 'd');
    expect(row?.state).toBe('failed');
    expect(row?.error).toContain(`given up after ${MAX_CALLBACK_ATTEMPTS} attempts`);
  });
});
