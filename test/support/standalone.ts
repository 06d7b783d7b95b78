/** `gale standalone` for a test: started in its home, ready, with `dagId` (the last DAG of its files) parsed. */
import { type GaleHome, type Service, waitFor } from './gale-home.js';

export async function startStandalone(g: GaleHome, dagId: string): Promise<Service> {
  const standalone = g.start(['standalone']);
  await waitFor(() => standalone.output().includes('Gale standalone is ready'), {
    what: 'standalone to be ready',
    timeoutMs: 60_000,
    seen: () => standalone.output().slice(-2000),
  });
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes(`"${dagId}"`), {
    what: 'the DAGs to be parsed',
    timeoutMs: 90_000,
    seen: () => standalone.output().slice(-2000),
  });
  return standalone;
}
