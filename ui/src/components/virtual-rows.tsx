/**
 * Long lists rendered a window at a time (@tanstack/react-virtual): only the rows in view, plus a
 * few either side, are in the page, so a list of thousands of rows scrolls as fast as one of ten.
 * `VirtualTable` keeps a real <table> (its header stays put while the body scrolls) by putting a
 * spacer row above and below the rows in view; rows may differ in height (each is measured).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, type RefObject, useEffect, useRef } from 'react';

/** Below this many rows a list renders whole: nothing to gain, and find-in-page keeps working. */
export const VIRTUAL_FROM = 200;

/**
 * The window of a list's rows to render once it has VIRTUAL_FROM rows or more: the rows in view
 * (plus `overscan` either side), the heights of the spacers above and below them, and the ref
 * that measures each rendered row. `scrollTo`: a row index to bring to the middle of the box.
 */
export function useRowWindow<E extends HTMLElement>(options: {
  count: number;
  scroller: RefObject<E | null>;
  estimatePx: number;
  /** space between rows that is not in their measured height (a table's border-spacing, a gap) */
  gapPx?: number;
  rowKey: (index: number) => string | number;
  scrollTo?: number;
}) {
  const isVirtual = options.count >= VIRTUAL_FROM;
  const virtualizer = useVirtualizer({
    count: isVirtual ? options.count : 0,
    getScrollElement: () => options.scroller.current,
    estimateSize: () => options.estimatePx,
    gap: options.gapPx ?? 0,
    overscan: 10,
    getItemKey: options.rowKey,
  });
  const target = options.scrollTo ?? -1;
  useEffect(() => {
    if (isVirtual && target >= 0) virtualizer.scrollToIndex(target, { align: 'center' });
  }, [isVirtual, target, virtualizer]);
  const items = virtualizer.getVirtualItems();
  return {
    isVirtual,
    items,
    top: items[0]?.start ?? 0,
    bottom: virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0),
    measure: virtualizer.measureElement,
  };
}

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
  const { isVirtual, items, top, bottom, measure } = useRowWindow({
    count: rows.length,
    scroller,
    estimatePx: estimateRowPx,
    rowKey: (i) => {
      const row = rows[i];
      return row === undefined ? i : rowKey(row);
    },
  });

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
                    ref={measure}
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
