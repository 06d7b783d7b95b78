/**
 * Kubernetes resource quantities ('64Mi', '1.5Gi', '500m', '0.5', '2', '1e3'), read as numbers, as
 * a pod's resources are written: memory in bytes, CPU in cores. Pure.
 * See https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
import { GaleError } from './errors.js';

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** A quantity as a number of its base unit ('64Mi' → 67108864, '500m' → 0.5); throws when it is not one. */
export function parseQuantity(text: string | number, where: string): number {
  const s = String(text).trim();
  const m = QUANTITY.exec(s);
  // an exponent and a suffix cannot meet ('1e3k'); the regex allows '1e3' alone
  if (!m || (/[eE]/.test(m[1]!) && m[2] !== undefined)) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where}: "${s}" is not a Kubernetes quantity`, {
      hint: 'Write memory as 64Mi, 1Gi or 500M, and CPU as 0.5, 2 or 500m.',
    });
  }
  return Number(m[1]) * SUFFIXES[m[2] ?? '']!;
}

/** Memory in bytes, rounded up ('64Mi' → 67108864). */
export function memoryBytes(text: string | number, where: string): number {
  return Math.ceil(parseQuantity(text, where));
}

/** CPU in billionths of a core, Docker's NanoCpus ('500m' → 500000000, '2' → 2000000000). */
export function nanoCpus(text: string | number, where: string): number {
  return Math.round(parseQuantity(text, where) * 1e9);
}
