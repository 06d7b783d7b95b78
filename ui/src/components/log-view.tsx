/**
 * The log of one try, read in chunks: from the start, then from each answer's continuation
 * token every 2 s while the try may still write (the server gives no token once it has ended and
 * all was read). A long log renders a window of its lines at a time; a search shows only the
 * lines that contain it; the whole log downloads as a text file.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, dagPath, get, type LogChunk, query } from '../api';
import { VirtualLines } from './virtual-rows';

const TAIL_EVERY_MS = 2_000;

export function LogView({
  dagId,
  runId,
  taskId,
  tryNumber,
  mapIndex,
}: {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  /** a mapped task's instance; undefined for an unmapped task */
  mapIndex?: number;
}) {
  const [content, setContent] = useState('');
  const [status, setStatus] = useState<string | null>('Loading the log…');
  const [isTailing, setTailing] = useState(false);
  const [search, setSearch] = useState('');
  const pre = useRef<HTMLPreElement>(null);
  const stickToEnd = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let token: string | null = null;
    let isStopped = false;
    setContent('');
    setStatus('Loading the log…');
    const path = dagPath(dagId, 'dagRuns', runId, 'taskInstances', taskId, 'logs', String(tryNumber));
    const next = (ms: number) => {
      if (!isStopped) timer = setTimeout(() => void read(), ms);
    };
    const read = async () => {
      try {
        const chunk = await get<LogChunk>(
          `${path}${query({ map_index: mapIndex, continuation_token: token ?? undefined })}`,
          controller.signal,
        );
        if (isStopped) return;
        if (chunk.content) setContent((c) => c + chunk.content);
        setStatus(null);
        token = chunk.continuation_token;
        setTailing(token !== null);
        // a full chunk means more is waiting: read on at once
        if (token !== null) next(chunk.content.length >= 512 * 1024 ? 0 : TAIL_EVERY_MS);
      } catch (e) {
        if (isStopped) return;
        if (e instanceof ApiError && e.isNoRoute) {
          setStatus('This server does not serve task logs yet.');
        } else if (e instanceof ApiError && e.status === 404) {
          // the try has not written its log yet: ask again
          setStatus(e.detail);
          next(TAIL_EVERY_MS);
        } else {
          setStatus(`Could not read the log: ${e instanceof Error ? e.message : String(e)}`);
          next(TAIL_EVERY_MS * 2);
        }
      }
    };
    void read();
    return () => {
      isStopped = true;
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [dagId, runId, taskId, tryNumber, mapIndex]);

  const lines = useMemo(() => {
    const all = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
    const needle = search.trim().toLowerCase();
    return needle ? all.filter((l) => l.toLowerCase().includes(needle)) : content ? all : [];
  }, [content, search]);

  // follow the end of the log while the reader is there
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the lines change
  useEffect(() => {
    const el = pre.current;
    if (el && stickToEnd.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  function download() {
    const url = URL.createObjectURL(new Blob([content], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${dagId}-${runId}-${taskId}-try${tryNumber}.log`.replace(/[^\w.-]+/g, '_');
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  }

  return (
    <div className="log">
      <div className="log-head">
        <span>Log of try {tryNumber}</span>
        {isTailing && <span className="muted">following…</span>}
      </div>
      <div className="log-tools">
        <input
          type="search"
          placeholder="Search the log"
          aria-label={`Search the log of try ${tryNumber}`}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        {search.trim() && (
          <span className="muted" aria-live="polite">
            {lines.length === 1 ? '1 line' : `${lines.length} lines`}
          </span>
        )}
        <button type="button" className="secondary" disabled={!content} onClick={download}>
          Download
        </button>
      </div>
      {status && <p className="muted">{status}</p>}
      <VirtualLines
        lines={lines}
        scroller={pre}
        className="log-text"
        dataTry={tryNumber}
        onScroll={(el) => {
          stickToEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
        }}
      />
    </div>
  );
}
