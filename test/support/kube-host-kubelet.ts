/**
 * Plays the kubelet for the Kubernetes API test double: runs a pod's "base" container on this
 * host as the built `gale` CLI with the container's args and env only (plus PATH and a bare
 * GALE_HOME), pipes its output into the double's log of the pod, and sets the pod's phase from
 * its exit code. That the try then runs proves the pod spec carries everything a task needs.
 * A container with a `command` (a podTask's) runs that command with its args instead (the image is
 * not used); its terminationMessagePath file (a path on this host here) becomes its termination
 * message, cut to the last 4096 bytes as a kubelet does. Images in `unpullable` are never
 * "pulled": the pod waits in ErrImagePull. A pod deleted while its container runs has it killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, FAST_ENV } from './gale-home.js';
import type { KubeApiDouble, PodJson } from './kube-api-double.js';

export class HostKubelet {
  readonly #double: KubeApiDouble;
  readonly #extraEnv: NodeJS.ProcessEnv;
  readonly #children = new Map<string, ChildProcess>();
  /** pods it ran, by name */
  readonly ran = new Set<string>();
  /** images it cannot pull: their pods wait in ErrImagePull */
  readonly unpullable = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  /** `extraEnv`: what the pod template would add (test settings, never database ones). */
  constructor(double: KubeApiDouble, extraEnv: NodeJS.ProcessEnv = {}) {
    this.#double = double;
    this.#extraEnv = extraEnv;
  }

  /** Runs the pod's try on this host; resolves with its exit code when it ends. */
  run(name: string): Promise<number | null> {
    const pod = this.#double.pods.get(name);
    if (!pod) throw new Error(`no pod ${name}`);
    const base = (pod.spec.containers as PodJson[]).find((c) => c.name === 'base');
    if (!base) throw new Error(`pod ${name} has no container "base"`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GALE_HOME: mkdtempSync(join(tmpdir(), 'gale-pod-')),
      ...FAST_ENV,
      ...this.#extraEnv,
    };
    for (const e of (base.env ?? []) as { name: string; value?: string }[]) env[e.name] = e.value ?? '';
    this.ran.add(name);
    if (this.unpullable.has(base.image)) {
      this.#double.setWaiting(name, 'ErrImagePull', `pull access denied for ${base.image}`);
      return Promise.resolve(null);
    }
    const command = (base.command ?? []) as string[];
    const args = (base.args ?? []) as string[];
    const child =
      command.length > 0
        ? spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.set(name, child);
    this.#double.setRunning(name);
    const relay = (d: Buffer) => {
      if (this.#double.pods.has(name)) this.#double.appendLog(name, d.toString());
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    return new Promise((resolve) => {
      child.once('close', (code) => {
        this.#children.delete(name);
        if (this.#double.pods.has(name)) {
          this.#double.setTerminated(name, code ?? 137, undefined, terminationMessage(base));
        }
        resolve(code);
      });
    });
  }

  /** Runs every new Pending pod that `accept` takes, as it appears. */
  auto(accept: (pod: PodJson) => boolean = () => true): void {
    this.#timer = setInterval(() => {
      for (const [name, child] of this.#children) if (!this.#double.pods.has(name)) child.kill('SIGKILL');
      for (const [name, pod] of this.#double.pods) {
        if (this.ran.has(name) || pod.status?.phase !== 'Pending' || pod.status?.containerStatuses) continue;
        if (accept(pod)) void this.run(name);
      }
    }, 50);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const child of this.#children.values()) child.kill('SIGKILL');
  }
}

/** The last 4096 bytes of the container's terminationMessagePath file, as a kubelet reads it. */
function terminationMessage(container: PodJson): string | undefined {
  const path = container.terminationMessagePath as string | undefined;
  if (!path || !existsSync(path)) return undefined;
  const content = readFileSync(path);
  return content.subarray(Math.max(0, content.length - 4096)).toString('utf8');
}
