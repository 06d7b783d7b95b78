/**
 * Long lists rendered a window at a time (@tanstack/react-virtual): only the rows in view, plus a
 * few either side, are in the page, so a list of thousands of rows scrolls as fast as one of ten.
 * `VirtualTable` keeps a real <table> (its header stays put while the body scrolls) by putting a
 * spacer row above and below the rows in view; rows may differ in height (each is measured).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, type RefObject, useRef } from 'react';

/** Below this many rows a list renders whole: nothing to gain, and find-in-page keeps working. */
export const VIRTUAL_FROM = 200;

export function VirtualTable<T>({
  rows,
  rowKey,
  columns,
  renderRow,
  rowAttrs,
  className,
  estimateRowPx = 33,
  label,
}: {
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  /** the columns' headings */
  columns: readonly string[];
  /** a row's cells (<td>...), without the <tr> */
  renderRow: (row: T) => ReactNode;
  /** data attributes of a row's <tr> (what tests and styles find it by) */
  rowAttrs?: (row: T) => Record<`data-${string}`, string | undefined>;
  className: string;
  estimateRowPx?: number;
  label?: string;
}) {
  const scroller = useRef<HTMLElement>(null);
  const isVirtual = rows.length >= VIRTUAL_FROM;
  const virtualizer = useVirtualizer({
    count: isVirtual ? rows.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimateRowPx,
    overscan: 10,
    getItemKey: (i) => {
      const row = rows[i];
      return row === undefined ? i : rowKey(row);
    },
  });
  const items = virtualizer.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);

  return (
    <section
      ref={scroller}
      className={`virtual-scroll${isVirtual ? ' is-virtual' : ''}`}
      data-rows={rows.length}
      aria-label={label}
      // a scrolling region must be reachable by keyboard to be scrolled without a mouse
      tabIndex={isVirtual ? 0 : undefined}
    >
      <table className={className}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {isVirtual ? (
            <>
              {top > 0 && (
                <tr className="virtual-spacer" style={{ height: top }}>
                  <td colSpan={columns.length} />
                </tr>
              )}
              {items.map((item) => {
                const row = rows[item.index];
                if (row === undefined) return null;
                return (
                  <tr
                    key={item.key as string | number}
                    data-index={item.index}
                    ref={virtualizer.measureElement}
                    aria-rowindex={item.index + 2}
                    {...rowAttrs?.(row)}
                  >
                    {renderRow(row)}
                  </tr>
                );
              })}
              {bottom > 0 && (
                <tr className="virtual-spacer" style={{ height: bottom }}>
                  <td colSpan={columns.length} />
                </tr>
              )}
            </>
          ) : (
            rows.map((row, i) => (
              <tr key={rowKey(row)} data-index={i} {...rowAttrs?.(row)}>
                {renderRow(row)}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}

/** The lines of a text (a log) in a scrolling <pre>, a window at a time once there are many. */
export function VirtualLines({
  lines,
  scroller,
  onScroll,
  className,
  dataTry,
}: {
  lines: readonly string[];
  scroller: RefObject<HTMLPreElement | null>;
  onScroll: (el: HTMLPreElement) => void;
  className: string;
  dataTry: number;
}) {
  const isVirtual = lines.length >= VIRTUAL_FROM;
  const virtualizer = useVirtualizer({
    count: isVirtual ? lines.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => 18,
    overscan: 20,
  });
  return (
    <pre
      ref={scroller}
      className={`${className}${isVirtual ? ' is-virtual' : ''}`}
      data-try={dataTry}
      data-lines={lines.length}
      onScroll={(e) => onScroll(e.currentTarget)}
    >
      {isVirtual ? (
        <span className="virtual-lines" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => (
            <span
              key={item.key as number}
              className="log-line"
              data-index={item.index}
              data-line={item.index + 1}
              ref={virtualizer.measureElement}
              style={{ transform: `translateY(${item.start}px)` }}
            >
              {`${lines[item.index] ?? ''}\n`}
            </span>
          ))}
        </span>
      ) : (
        lines.join('\n')
      )}
    </pre>
  );
}
