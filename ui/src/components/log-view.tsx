/**
 * The log of one try, read in chunks: from the start, then from each answer's continuation
 * token every 2 s while the try may still write (the server gives no token once it has ended and
 * all was read).
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError, dagPath, get, type LogChunk, query } from '../api';

const TAIL_EVERY_MS = 2_000;

export function LogView({
  dagId,
  runId,
  taskId,
  tryNumber,
}: {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
}) {
  const [content, setContent] = useState('');
  const [status, setStatus] = useState<string | null>('Loading the log…');
  const [isTailing, setTailing] = useState(false);
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
          `${path}${query({ continuation_token: token ?? undefined })}`,
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
  }, [dagId, runId, taskId, tryNumber]);

  // follow the end of the log while the reader is there
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the content grows
  useEffect(() => {
    const el = pre.current;
    if (el && stickToEnd.current) el.scrollTop = el.scrollHeight;
  }, [content]);

  return (
    <div className="log">
      <div className="log-head">
        <span>Log of try {tryNumber}</span>
        {isTailing && <span className="muted">following…</span>}
      </div>
      {status && <p className="muted">{status}</p>}
      <pre
        ref={pre}
        className="log-text"
        data-try={tryNumber}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
        }}
      >
        {content}
      </pre>
    </div>
  );
}
