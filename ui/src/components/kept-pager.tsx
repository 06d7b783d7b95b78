/**
 * The Pager of a polled list, kept in place while the next page loads (its total unknown for a
 * moment): the button just pressed stays in the page, and with it the keyboard's focus.
 */
import { type ComponentProps, useRef } from 'react';
import { Pager } from './pager';

export function KeptPager({
  total,
  ...pager
}: Omit<ComponentProps<typeof Pager>, 'total'> & {
  /** undefined while loading: the last total known stands */
  total: number | undefined;
}) {
  const known = useRef(0);
  if (total !== undefined) known.current = total;
  return <Pager {...pager} total={known.current} />;
}
