/**
 * Test support: a REAL Kubernetes API server (kube-apiserver with etcd), built from source through
 * the Go module proxy at pinned releases and started on loopback. No cluster, registry or GitHub is
 * reachable here, but the Go module proxy is: kube-apiserver is built from k8s.io/kubernetes with
 * its staging modules replaced by their published versions (k8s.io/api v0.33.x, ...), etcd from
 * go.etcd.io/etcd/server/v3. The binaries are cached in ~/.cache/gale-test/kube/bin (the first
 * build takes about 15 minutes of CPU), keyed by version.
 *
 * The server runs no controllers, scheduler or kubelet: a test that needs a pod to run plays those
 * parts itself. The ServiceAccount admission plugin is off (no controller makes "default" service
 * accounts here); authentication is a static bearer token for a member of system:masters.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../src/bench/services/index.js';
import { withCacheLock } from './cache-lock.js';

export const KUBERNETES_VERSION = '1.33.13';
export const ETCD_VERSION = '3.5.21';
const CACHE = join(homedir(), '.cache', 'gale-test', 'kube');
const BIN = join(CACHE, 'bin');
export const KUBE_APISERVER_BIN = join(BIN, `kube-apiserver-v${KUBERNETES_VERSION}`);
export const ETCD_BIN = join(BIN, `etcd-v${ETCD_VERSION}`);
export const TEST_TOKEN = 'gale-test-token';

function go(args: string[], cwd: string): string {
  const r = spawnSync('go', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    timeout: 60 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('Tests against a real Kubernetes API server need Go (https://go.dev/dl/) on PATH');
  }
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed: ${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

/** Builds `pkg` of `module@version` into `out` in a throwaway main module (with `replaces`). */
function goBuild(module: string, version: string, pkg: string, out: string, replaces: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'gale-go-build-'));
  try {
    const goVersion = go(['env', 'GOVERSION'], dir).trim().replace(/^go/, '');
    writeFileSync(
      join(dir, 'go.mod'),
      [
        `module galetestbuild`,
        '',
        `go ${goVersion}`,
        '',
        `require ${module} ${version}`,
        '',
        ...replaces,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'tools.go'), `//go:build tools\n\npackage galetestbuild\n\nimport _ "${pkg}"\n`);
    go(['mod', 'tidy'], dir);
    mkdirSync(BIN, { recursive: true });
    go(['build', '-o', `${out}.partial`, pkg], dir);
    execFileSync('mv', [`${out}.partial`, out]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** k8s.io/kubernetes replaces its staging modules with local folders; use the published ones. */
function stagingReplaces(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gale-go-mod-'));
  try {
    writeFileSync(join(dir, 'go.mod'), 'module probe\n');
    const info = JSON.parse(
      go(['mod', 'download', '-json', `k8s.io/kubernetes@v${KUBERNETES_VERSION}`], dir),
    ) as {
      GoMod: string;
    };
    const staging = `v0${KUBERNETES_VERSION.slice(1)}`;
    return readFileSync(info.GoMod, 'utf8')
      .split('\n')
      .map((line) => /^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//.exec(line)?.[1])
      .filter((m): m is string => m !== undefined)
      .map((m) => `replace ${m} => ${m} ${staging}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Builds kube-apiserver and etcd unless cached. Slow the first time (minutes of compiling); a test
 * file that asks while another builds waits for that build.
 */
export async function ensureKubeBinaries(): Promise<void> {
  if (existsSync(ETCD_BIN) && existsSync(KUBE_APISERVER_BIN)) return;
  // a build takes about 15 minutes of CPU on 2 cores: a lock older than an hour is a dead one
  await withCacheLock(CACHE, 'build', buildKubeBinaries, 60 * 60_000);
}

function buildKubeBinaries(): void {
  if (!existsSync(ETCD_BIN)) {
    goBuild('go.etcd.io/etcd/server/v3', `v${ETCD_VERSION}`, 'go.etcd.io/etcd/server/v3', ETCD_BIN);
  }
  if (!existsSync(KUBE_APISERVER_BIN)) {
    goBuild(
      'k8s.io/kubernetes',
      `v${KUBERNETES_VERSION}`,
      'k8s.io/kubernetes/cmd/kube-apiserver',
      KUBE_APISERVER_BIN,
      stagingReplaces(),
    );
  }
}

export interface ApiRequest {
  method?: string;
  /** sent as JSON */
  body?: unknown;
  contentType?: string;
}

export interface ApiResponse {
  status: number;
  /** the Warning headers (admission warnings, e.g. PodSecurity's) */
  warnings: string[];
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, of any shape
  body: any;
}

/** One HTTPS request to the server (its certificate is self-signed and not verified). */
function apiRequest(url: string, path: string, init: ApiRequest = {}): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = httpsRequest(
      `${url}${path}`,
      {
        method: init.method ?? 'GET',
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': init.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (readyz answers text)
          }
          const warning = res.headers.warning;
          const warnings = warning === undefined ? [] : Array.isArray(warning) ? warning : [warning];
          resolve({ status: res.statusCode ?? 0, warnings, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface KubeApiServer {
  /** https://127.0.0.1:<port> */
  url: string;
  token: string;
  /** Writes a kubeconfig for the server (TLS not verified: its certificate is self-signed). */
  writeKubeconfig(path: string, namespace?: string): string;
  /** A request to the API as the test's admin. */
  request(path: string, init?: ApiRequest): Promise<ApiResponse>;
  stop(): Promise<void>;
}

function spawnLogged(bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  const keep = (d: Buffer) => {
    chunks.push(d);
    if (chunks.length > 200) chunks.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', () => writeFileSync(logFile, Buffer.concat(chunks)));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts etcd and kube-apiserver on free loopback ports; resolves once /readyz answers ok. */
export async function startKubeApiServer(): Promise<KubeApiServer> {
  await ensureKubeBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'gale-kube-'));
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')], {
    stdio: 'ignore',
  });
  writeFileSync(join(dir, 'tokens.csv'), `${TEST_TOKEN},gale-test-admin,gale-test-admin,system:masters\n`);
  const etcd = spawnLogged(
    ETCD_BIN,
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
    ],
    join(dir, 'etcd.log'),
  );
  const apiserver = spawnLogged(
    KUBE_APISERVER_BIN,
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
    ],
    join(dir, 'apiserver.log'),
  );
  const url = `https://127.0.0.1:${apiPort}`;
  const request = (path: string, init?: ApiRequest) => apiRequest(url, path, init);
  const stop = async () => {
    await stopChild(apiserver);
    await stopChild(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ready = await request('/readyz')
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || apiserver.exitCode !== null || etcd.exitCode !== null) {
      await stop();
      throw new Error(`kube-apiserver did not become ready on ${url}`);
    }
    await delay(250);
  }
  return {
    url,
    token: TEST_TOKEN,
    request,
    stop,
    writeKubeconfig(path: string, namespace = 'default') {
      writeFileSync(
        path,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'test', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'test', user: { token: TEST_TOKEN } }],
          contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace } }],
          'current-context': 'test',
        }),
      );
      return path;
    },
  };
}
