/** A state as a coloured dot or a labelled badge, in Airflow's colours. */
import { stateName } from '../states';

export function StateDot({ state, title }: { state: string | null; title?: string }) {
  const name = stateName(state);
  return <span className={`dot state-${name}`} title={title ?? name} data-state={name} />;
}

export function StateBadge({ state }: { state: string | null }) {
  const name = stateName(state);
  return (
    <span className="badge" data-state={name}>
      <span className={`dot state-${name}`} />
      {name}
    </span>
  );
}
