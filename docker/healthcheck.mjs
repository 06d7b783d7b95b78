/**
 * The image's HEALTHCHECK: asks the service this container runs whether it is ready. Which
 * service that is comes from PID 1's command line (`tini -- gale <command>`): the API server
 * answers on api.port, the scheduler, DAG processor, triggerer and worker on their health server
 * (metrics.port); standalone has both. A one-shot command (db migrate, users create) has nothing
 * to ask and counts as healthy. Ports come from Gale's own configuration (gale.yaml, GALE__...).
 * Exits 0 when healthy, 1 otherwise, printing why.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../dist/config/index.js';

const SERVICES = {
  'api-server': ['api'],
  standalone: ['api', 'metrics'],
  scheduler: ['metrics'],
  'dag-processor': ['metrics'],
  triggerer: ['metrics'],
  worker: ['metrics'],
};

function serviceOfPid1() {
  let args = [];
  try {
    args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  } catch {
    return null;
  }
  return args.find((a) => a in SERVICES) ?? null;
}

/** The address to call a server on from inside its container. */
const local = (host) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

async function ready(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) return null;
    return `${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`;
  } catch (error) {
    return `${url} did not answer: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const service = serviceOfPid1();
if (service === null) process.exit(0);
const { config } = loadConfig(process.env);
const urls = SERVICES[service].flatMap((server) => {
  if (server === 'api') return [`http://${local(config.api.host)}:${config.api.port}/health/ready`];
  if (!config.metrics.enabled) return [];
  return [`http://${local(config.metrics.host)}:${config.metrics.port}/health/ready`];
});
const problems = (await Promise.all(urls.map(ready))).filter((p) => p !== null);
for (const p of problems) process.stderr.write(`${service} is not ready: ${p}\n`);
process.exit(problems.length === 0 ? 0 : 1);
