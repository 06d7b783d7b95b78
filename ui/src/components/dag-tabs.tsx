/**
 * The tabs of a DAG's page, as the WAI-ARIA tabs pattern: one tab in the Tab order (the chosen
 * one), arrow keys, Home and End move between them and open the one they reach. Each tab is a link
 * to its view's own path, so it also opens in a new browser tab.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import { DAG_VIEW_LABELS, DAG_VIEWS, type DagView } from '../dag-views';
import { navigate, onLinkClick } from '../router';

export const tabId = (view: DagView) => `dag-tab-${view}`;
export const panelId = (view: DagView) => `dag-panel-${view}`;

export function DagTabs({ view, hrefOf }: { view: DagView; hrefOf: (view: DagView) => string }) {
  function onKeyDown(event: KeyboardEvent<HTMLAnchorElement>) {
    const at = DAG_VIEWS.indexOf(view);
    const to =
      event.key === 'ArrowRight'
        ? (at + 1) % DAG_VIEWS.length
        : event.key === 'ArrowLeft'
          ? (at - 1 + DAG_VIEWS.length) % DAG_VIEWS.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? DAG_VIEWS.length - 1
              : null;
    const next = to === null ? undefined : DAG_VIEWS[to];
    if (!next) return;
    event.preventDefault();
    navigate(hrefOf(next));
    document.getElementById(tabId(next))?.focus();
  }

  return (
    <div className="dag-tabs" role="tablist" aria-label="Views of the DAG">
      {DAG_VIEWS.map((v) => (
        <a
          key={v}
          id={tabId(v)}
          role="tab"
          href={hrefOf(v)}
          className={`dag-tab${v === view ? ' active' : ''}`}
          aria-selected={v === view}
          aria-controls={panelId(v)}
          tabIndex={v === view ? 0 : -1}
          onClick={onLinkClick}
          onKeyDown={onKeyDown}
        >
          {DAG_VIEW_LABELS[v]}
        </a>
      ))}
    </div>
  );
}

export function DagTabPanel({ view, children }: { view: DagView; children: ReactNode }) {
  return (
    <div id={panelId(view)} role="tabpanel" aria-labelledby={tabId(view)} className="dag-tab-panel">
      {children}
    </div>
  );
}
