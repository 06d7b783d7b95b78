/**
 * Assets for DAG authors (Airflow 3's Asset): `asset('s3://bucket/file')` names a piece of data; a
 * task lists it in `outlets` to emit an event when it succeeds, and a DAG's `schedule` may wait for
 * assets: one, a list (all of them), assetAll(...) / assetAny(...) or a.and(b) / a.or(b). Pure.
 */
import { type AssetCondition, type AssetRef, GaleError, validateAssetUri } from '../models/index.js';

export type { AssetEventInfo } from '../models/index.js';

export interface AssetOptions {
  /** a readable name (default: the URI) */
  name?: string;
  /** a group the asset belongs to, as Airflow's (default "asset") */
  group?: string;
  /** JSON data about the asset itself (not about one update of it) */
  extra?: Record<string, unknown>;
}

/** Something a schedule can wait for: an asset, or a condition on several. */
export type AssetLike = Asset | AssetAll | AssetAny;

abstract class AssetExpression {
  /** this and `other` (Airflow's `a & b`) */
  and(...others: AssetLike[]): AssetAll {
    return new AssetAll([this as unknown as AssetLike, ...others]);
  }
  /** this or `other` (Airflow's `a | b`) */
  or(...others: AssetLike[]): AssetAny {
    return new AssetAny([this as unknown as AssetLike, ...others]);
  }
  abstract toCondition(): AssetCondition;
  abstract assets(): Asset[];
}

export class Asset extends AssetExpression {
  readonly uri: string;
  readonly name: string;
  readonly group: string;
  readonly extra: Readonly<Record<string, unknown>>;
  constructor(uri: string, options: AssetOptions = {}) {
    super();
    this.uri = validateAssetUri(uri, 'asset()');
    this.name = options.name ?? uri;
    this.group = options.group ?? 'asset';
    this.extra = Object.freeze({ ...(options.extra ?? {}) });
  }
  toCondition(): AssetCondition {
    return { type: 'asset', uri: this.uri };
  }
  assets(): Asset[] {
    return [this];
  }
  /** The serialized form stored with the DAG. */
  toRef(): AssetRef {
    return {
      uri: this.uri,
      name: this.name,
      group: this.group,
      extra: JSON.parse(JSON.stringify(this.extra)),
    };
  }
}

function checkItems(items: readonly AssetLike[], what: string): AssetLike[] {
  if (items.length === 0 || items.some((i) => !(i instanceof AssetExpression))) {
    throw new GaleError('GALE_ERR_ASSET_INVALID', `${what} takes one or more assets or asset conditions`, {
      hint: "Write assetAll(asset('s3://a'), asset('s3://b')).",
    });
  }
  return [...items];
}

/** Met when every item is (Airflow's AssetAll, `a & b`). */
export class AssetAll extends AssetExpression {
  readonly items: readonly AssetLike[];
  constructor(items: readonly AssetLike[]) {
    super();
    this.items = checkItems(items, 'assetAll()');
  }
  toCondition(): AssetCondition {
    return { type: 'all', items: this.items.map((i) => i.toCondition()) };
  }
  assets(): Asset[] {
    return this.items.flatMap((i) => i.assets());
  }
}

/** Met when any item is (Airflow's AssetAny, `a | b`). */
export class AssetAny extends AssetExpression {
  readonly items: readonly AssetLike[];
  constructor(items: readonly AssetLike[]) {
    super();
    this.items = checkItems(items, 'assetAny()');
  }
  toCondition(): AssetCondition {
    return { type: 'any', items: this.items.map((i) => i.toCondition()) };
  }
  assets(): Asset[] {
    return this.items.flatMap((i) => i.assets());
  }
}

/** An asset: `asset('s3://bucket/file.csv', { extra: { owner: 'sales' } })`. */
export function asset(uri: string, options: AssetOptions = {}): Asset {
  return new Asset(uri, options);
}

/** A condition met when all the items have events (Airflow's `a & b`). */
export function assetAll(...items: AssetLike[]): AssetAll {
  return new AssetAll(items);
}

/** A condition met when any item has an event (Airflow's `a | b`). */
export function assetAny(...items: AssetLike[]): AssetAny {
  return new AssetAny(items);
}

export function isAssetLike(value: unknown): value is AssetLike {
  return value instanceof AssetExpression;
}

/** The distinct assets, by URI (the first definition of a URI wins). */
export function distinctAssets(assets: readonly Asset[]): Asset[] {
  const byUri = new Map<string, Asset>();
  for (const a of assets) if (!byUri.has(a.uri)) byUri.set(a.uri, a);
  return [...byUri.values()];
}

/** One asset event a task emits (Airflow's outlet_events[asset]); set `extra` in the task. */
export interface OutletEventAccessor {
  /** JSON data about this update, stored with the event and given to the runs it triggers */
  extra: Record<string, unknown>;
}
