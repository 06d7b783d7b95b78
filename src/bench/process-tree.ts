/**
 * Resident memory of processes and all their descendants, read from /proc (Linux; 0 elsewhere).
 * Reads only: it never signals a process.
 */
import { readdirSync, readFileSync } from 'node:fs';

function children(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return map;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(entry));
      map.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  return map;
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The processes `pids` and every process below them, each once. */
function treeOf(pids: number | readonly number[]): number[] {
  const tree = children();
  const seen = new Set<number>();
  const stack = typeof pids === 'number' ? [pids] : [...pids];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...(tree.get(p) ?? []));
  }
  return [...seen];
}

/** RSS in MB of the processes `pids` and every process below them, each counted once. */
export function treeRssMb(pids: number | readonly number[]): number {
  const total = treeOf(pids).reduce((sum, p) => sum + rssKb(p), 0);
  return Math.round(total / 1024);
}

/** How many processes `pids` and their descendants are (0 where /proc cannot be read). */
export function treeSize(pids: readonly number[]): number {
  return treeOf(pids).filter((p) => rssKb(p) > 0 || pids.includes(p)).length;
}

/** CPU time in ms a process has used so far, all its threads (0 when it cannot be read). */
function cpuMs(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      // schedstat: time on a CPU in ns, waiting, timeslices (more precise than stat's clock ticks)
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
  } catch {
    // ended meanwhile: what it used is no longer counted
  }
  return total / 1e6;
}

/** CPU time in ms of the children a process has waited for (cutime + cstime, in clock ticks of 10 ms). */
function reapedCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command's closing parenthesis: state is field 3, cutime 16, cstime 17
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time in ms that `pids`, every process below them, and the processes below them that ended
 * and were waited for have used so far (the ended ones to 10 ms).
 */
export function treeCpuWithEndedMs(pids: readonly number[]): number {
  return treeOf(pids).reduce((sum, p) => sum + cpuMs(p) + reapedCpuMs(p), 0);
}

/**
 * CPU time in ms that `pids` and every process below them have used so far. The difference of two
 * readings is what they used in between, but for processes that ended in between.
 */
export function treeCpuMs(pids: readonly number[]): number {
  return treeOf(pids).reduce((sum, p) => sum + cpuMs(p), 0);
}

/** Samples the RSS of process trees on a timer and keeps the peak, until stopped. */
export class PeakRss {
  #peak = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #pids: () => readonly number[];

  constructor(pids: () => readonly number[], intervalMs = 100) {
    this.#pids = pids;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, treeRssMb(this.#pids()));
  }

  /** Stops sampling; the peak in MB. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}
