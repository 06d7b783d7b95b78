/**
 * Assets (Airflow 3's data-aware scheduling), pure: the serialized form of an asset, of an asset
 * condition (an asset, all of several, any of several), and whether a condition is met by the
 * assets that have queued events. No I/O.
 *
 * Terminology
 * - asset: a piece of data named by a URI (s3://bucket/file); tasks declare it as an outlet.
 * - asset event: a record that an asset was updated, by a task's successful try or from outside
 *   (the API or CLI), with an optional JSON `extra`.
 * - queued event: an event not yet consumed by a DAG scheduled on its asset (asset_dag_run_queue).
 * - asset-triggered run: a run created when a DAG's condition is met; it consumes the queued events.
 */
import { z } from '#zod';
import { GaleError } from './errors.js';

const ASSET_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$|^[^\s:]\S*$/;

export const assetRefSchema = z.object({
  uri: z.string().min(1),
  name: z.string().min(1),
  group: z.string(),
  extra: z.record(z.string(), z.unknown()),
});
/** An asset as a DAG names it, in a schedule or as a task's outlet. */
export type AssetRef = z.infer<typeof assetRefSchema>;

export type AssetCondition =
  | { type: 'asset'; uri: string }
  | { type: 'all'; items: AssetCondition[] }
  | { type: 'any'; items: AssetCondition[] };

export const assetConditionSchema: z.ZodType<AssetCondition> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('asset'), uri: z.string().min(1) }),
    z.object({ type: z.literal('all'), items: z.array(assetConditionSchema).min(1) }),
    z.object({ type: z.literal('any'), items: z.array(assetConditionSchema).min(1) }),
  ]),
);

/** Throws unless `uri` is an asset URI ("s3://bucket/key", "file:///x", or a plain name without spaces). */
export function validateAssetUri(uri: string, where: string): string {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 1500 || !ASSET_URI.test(uri)) {
    throw new GaleError('GALE_ERR_ASSET_INVALID', `${where}: "${String(uri)}" is not an asset URI`, {
      hint: 'Use a URI such as "s3://bucket/path/file.csv" or "postgres://db/schema/table" (no spaces).',
    });
  }
  return uri;
}

/** Whether the condition holds when exactly the assets in `queued` (URIs) have queued events. */
export function isConditionMet(condition: AssetCondition, queued: ReadonlySet<string>): boolean {
  switch (condition.type) {
    case 'asset':
      return queued.has(condition.uri);
    case 'all':
      return condition.items.every((c) => isConditionMet(c, queued));
    case 'any':
      return condition.items.some((c) => isConditionMet(c, queued));
  }
}

/** Every asset URI a condition names, once each, in order. */
export function conditionUris(condition: AssetCondition): string[] {
  if (condition.type === 'asset') return [condition.uri];
  return [...new Set(condition.items.flatMap(conditionUris))];
}

/** A condition as text: `s3://a & (s3://b | s3://c)`, for `gale dags details` and the DAG list. */
export function describeCondition(condition: AssetCondition, nested = false): string {
  if (condition.type === 'asset') return condition.uri;
  const text = condition.items
    .map((c) => describeCondition(c, true))
    .join(condition.type === 'all' ? ' & ' : ' | ');
  return nested && condition.items.length > 1 ? `(${text})` : text;
}

/** One asset event as a task sees it (ctx.triggeringAssetEvents, {{ triggering_asset_events }}). */
export interface AssetEventInfo {
  id: number;
  uri: string;
  name: string;
  extra: Record<string, unknown>;
  /** when it was recorded (ISO 8601) */
  timestamp: string;
  /** the try that emitted it; all null for an event created from outside (API, CLI) */
  sourceDagId: string | null;
  sourceTaskId: string | null;
  sourceRunId: string | null;
  sourceMapIndex: number | null;
}

/** An event a successful try emits for one of its outlets, with the extra the task set. */
export const outletEventSchema = z.object({
  uri: z.string().min(1),
  extra: z.record(z.string(), z.unknown()),
});
export type OutletEvent = z.infer<typeof outletEventSchema>;
