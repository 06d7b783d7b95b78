/** The key to the state colours of the grid, graph and Gantt. */
import { STATES } from '../states';

export function Legend() {
  return (
    <div className="legend">
      {STATES.map((s) => (
        <span key={s}>
          <span className={`dot state-${s}`} /> {s}
        </span>
      ))}
    </div>
  );
}
