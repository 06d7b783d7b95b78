/** webhookNotifier against a real HTTP server on loopback: the payload, the template, the failures. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookNotifier } from '../../../src/sdk/index.js';

let server: Server;
let url = '';
const received: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.url === '/broken') {
        res.statusCode = 500;
        return res.end('it broke');
      }
      received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const TASK_CTX = { dagId: 'etl', runId: 'manual__1', taskId: 'load', tryNumber: 2 };

describe('webhookNotifier', () => {
  const cases: [
    string,
    Parameters<typeof webhookNotifier>[0] extends infer O ? Omit<O & object, 'url'> : never,
    unknown[],
    string,
  ][] = [
    [
      'a task callback, its template filled from the context and the error',
      {
        text: '{{ dag_id }}.{{ task_id }} try {{ try_number }} failed: {{ error }}',
        extra: { channel: '#ops' },
      },
      [TASK_CTX, 'Error: nope'],
      'etl.load try 2 failed: Error: nope',
    ],
    [
      'a DAG callback, with the run state and reason',
      { text: (i) => `${i.dagId} ${i.runState} (${i.reason})` },
      [{ dagId: 'etl', runId: 'r', runState: 'failed', reason: 'timed_out' }],
      'etl failed (timed_out)',
    ],
  ];
  it.each(cases)("posts Slack's payload for %s", async (_, options, args, text) => {
    received.length = 0;
    const notify = webhookNotifier({ ...options, url: () => `${url}/hook` });
    await notify(...(args as Parameters<typeof notify>));
    expect(received).toEqual([
      { path: '/hook', type: 'application/json', body: { text, ...(options.extra ?? {}) } },
    ]);
  });

  it('fails with GALE_ERR_NOTIFIER on an error answer, an empty URL or no server, never naming the URL', async () => {
    await expect(webhookNotifier({ url: `${url}/broken`, text: 'x' })(TASK_CTX)).rejects.toThrow(
      /answered HTTP 500: it broke/,
    );
    await expect(webhookNotifier({ url: () => undefined, text: 'x' })(TASK_CTX)).rejects.toMatchObject({
      code: 'GALE_ERR_NOTIFIER',
    });
    const secretUrl = 'http://127.0.0.1:9/services/T000/SECRET';
    const unreachable = webhookNotifier({ url: secretUrl, text: 'x', timeoutMs: 2000 })(TASK_CTX);
    await expect(unreachable).rejects.toMatchObject({ code: 'GALE_ERR_NOTIFIER' });
    await expect(unreachable).rejects.not.toThrow(/SECRET/);
  });
});
