/**
 * What a try sees of assets: ctx.outletEvents(asset) (the extra of the events it emits on
 * success, one per outlet of its task) and ctx.triggeringAssetEvents (the events its run
 * consumed). It never records anything itself: run-try hands the outlet events to the channel with
 * the success.
 */
import { type AssetEventInfo, type AssetRef, GaleError, type OutletEvent } from '../models/index.js';
import type { Asset, OutletEventAccessor, TaskContext } from '../sdk/index.js';

export type AssetAccessors = Pick<TaskContext, 'outletEvents' | 'triggeringAssetEvents'>;

export interface TryAssets {
  accessors: AssetAccessors;
  /** the events to record with the try's success: one per outlet, with the extra the task set */
  outletEvents(): OutletEvent[];
}

/** The events by asset URI, each list oldest first, as Airflow's triggering_asset_events. */
export function eventsByUri(events: readonly AssetEventInfo[]): Record<string, AssetEventInfo[]> {
  const out: Record<string, AssetEventInfo[]> = {};
  for (const e of events) {
    const list = out[e.uri] ?? [];
    list.push(e);
    out[e.uri] = list;
  }
  return out;
}

export function tryAssets(outlets: readonly AssetRef[], triggering: readonly AssetEventInfo[]): TryAssets {
  const extras = new Map<string, OutletEventAccessor>(outlets.map((a) => [a.uri, { extra: {} }]));
  return {
    accessors: {
      outletEvents(asset: Asset | string): OutletEventAccessor {
        const uri = typeof asset === 'string' ? asset : asset?.uri;
        const accessor = extras.get(uri);
        if (!accessor) {
          throw new GaleError('GALE_ERR_ASSET_INVALID', `"${String(uri)}" is not an outlet of this task`, {
            hint: `Add the asset to the task's outlets${outlets.length > 0 ? ` (it has: ${outlets.map((a) => a.uri).join(', ')})` : ''}.`,
          });
        }
        return accessor;
      },
      triggeringAssetEvents: eventsByUri(triggering),
    },
    outletEvents: () =>
      [...extras].map(([uri, accessor]) => ({ uri, extra: toJsonObject(accessor.extra, uri) })),
  };
}

function toJsonObject(extra: unknown, uri: string): Record<string, unknown> {
  if (extra === undefined || extra === null) return {};
  const json = JSON.parse(JSON.stringify(extra)) as unknown;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GaleError(
      'GALE_ERR_ASSET_INVALID',
      `The extra of the outlet event for "${uri}" is not a JSON object`,
      {
        hint: 'Set ctx.outletEvents(asset).extra = { key: value }.',
      },
    );
  }
  return json as Record<string, unknown>;
}
