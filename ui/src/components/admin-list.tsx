/**
 * What the admin lists share: one page of a list from the API (polled, with the search and the
 * offset from the address), the search box, and the notice of the last change.
 */
import { useState } from 'react';
import { get, query } from '../api';
import { type Polled, usePoll } from '../hooks';

export const PAGE_SIZE = 50;

export interface ListPage<T> {
  items: T[];
  total: number;
}

/** GET `path` with limit, offset and the extra query; `key` names the list in the answer. */
export function useAdminList<T>(
  path: string,
  key: string,
  offset: number,
  extra: Record<string, string | undefined> = {},
  limit = PAGE_SIZE,
): Polled<ListPage<T>> {
  return usePoll(
    async (signal) => {
      const answer = await get<Record<string, unknown> & { total_entries: number }>(
        `${path}${query({ limit, offset, ...extra })}`,
        signal,
      );
      return { items: (answer[key] ?? []) as T[], total: answer.total_entries };
    },
    10_000,
    [path, offset, extra, limit],
  );
}

/** "1 pool", "3 pools". */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The offset of the address's `?offset=`, 0 when absent or not a number. */
export function offsetOf(params: Record<string, string>): number {
  const n = Number(params.offset ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function SearchBox({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <input
      type="search"
      placeholder={label}
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** The last change's outcome, read out by screen readers. */
export function useNotice() {
  const [notice, setNotice] = useState<string | null>(null);
  const view = notice ? (
    <p className="banner info-banner" role="status">
      {notice}
    </p>
  ) : null;
  return { notice: view, setNotice };
}

/** The error of a list that could not be loaded. */
export function LoadError({ what, error }: { what: string; error: Error | null }) {
  if (!error) return null;
  return (
    <p className="banner error-banner" role="alert">
      Could not load the {what}: {error.message}
    </p>
  );
}
