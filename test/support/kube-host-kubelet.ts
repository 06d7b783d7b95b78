/**
 * Plays the kubelet for the Kubernetes API test double: runs a pod's "base" container on this
 * host as the built `gale` CLI with the container's args and env only (plus PATH and a bare
 * GALE_HOME), pipes its output into the double's log of the pod, and sets the pod's phase from
 * its exit code. That the try then runs proves the pod spec carries everything a task needs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
    const child = spawn(process.execPath, [CLI, ...(base.args as string[])], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
        if (this.#double.pods.has(name)) this.#double.setTerminated(name, code ?? 137);
        resolve(code);
      });
    });
  }

  /** Runs every new Pending pod that `accept` takes, as it appears. */
  auto(accept: (pod: PodJson) => boolean = () => true): void {
    this.#timer = setInterval(() => {
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
