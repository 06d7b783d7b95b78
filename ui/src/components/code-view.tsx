/**
 * The code view: the source of the file that defines the DAG (GET /api/v2/dagSources/{dag_id}),
 * with line numbers that are not copied with the text. No syntax highlighter: it would be most of
 * the UI's bundle.
 */
import { get } from '../api';
import { usePoll } from '../hooks';

interface DagSource {
  content: string | null;
  dag_id: string;
  version_number: number | null;
}

export function CodeView({ dagId, fileloc }: { dagId: string; fileloc: string | undefined }) {
  const source = usePoll(
    (signal) => get<DagSource>(`/api/v2/dagSources/${encodeURIComponent(dagId)}`, signal),
    60_000,
    [dagId],
  );
  if (source.error) return <p className="error">Could not load the DAG's source: {source.error.message}</p>;
  if (!source.data) return <p className="muted">Loading…</p>;
  const lines = (source.data.content ?? '').replace(/\n$/, '').split('\n');
  return (
    <div className="code-view">
      <p className="muted code-file">
        {fileloc && <code>{fileloc}</code>}
        {source.data.version_number !== null && <span> · version {source.data.version_number}</span>}
        <span> · {lines.length} lines</span>
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the code scrolls; a keyboard must reach it */}
      <section className="code-scroll" aria-label={`Source of ${dagId}`} tabIndex={0}>
        <pre className="code-text">
          <code>
            {lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a line is its number
              <span key={i} className="code-line" id={`L${i + 1}`} data-line={i + 1}>
                {line}
                {'\n'}
              </span>
            ))}
          </code>
        </pre>
      </section>
    </div>
  );
}
