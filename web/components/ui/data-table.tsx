'use client';
import {
  type KeyboardEvent,
  type MouseEvent,
  memo,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ChevronDownIcon, ChevronUpIcon } from './icons';
import { EmptyState, ErrorState, SkeletonRows } from './states';

/** One column as data: how to head it, draw a cell, and (optionally) sort by it. */
export interface Column<T> {
  id: string;
  header: string;
  /** A small prefix in the header, such as "param" or "metric". */
  group?: string;
  cell: (row: T) => ReactNode;
  /** Width in pixels: fixed, so that virtual rows line up without measuring. */
  width: number;
  align?: 'left' | 'right';
  sortable?: boolean;
  /** The first direction a click sorts in; numbers usually want the largest first. */
  firstSort?: 'asc' | 'desc';
  /** For tables sorted in the browser (see `sortRows`). */
  sortValue?: (row: T) => string | number | null | undefined;
  /** Stays in view when scrolling sideways (the name column). */
  sticky?: boolean;
  /** Takes the room left over (at least `width`): a description, a URL. */
  grow?: boolean;
  title?: (row: T) => string | undefined;
}

export interface SortState {
  id: string;
  desc: boolean;
}

export interface DataTableProps<T> {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  status: 'loading' | 'error' | 'ready';
  error?: Error;
  onRetry?: () => void;
  empty?: ReactNode;
  sort?: SortState;
  onSortChange?: (sort: SortState | undefined) => void;
  selection?: ReadonlySet<string>;
  onSelectionChange?: (selection: Set<string>) => void;
  /** Enter on the active row, or a double click. */
  onOpen?: (row: T) => void;
  /** Called as the end of the rows scrolls into view: time to load the next page. */
  onEndReached?: () => void;
  rowClassName?: (row: T) => string | undefined;
  /** Take the remaining height of the page (long lists); otherwise grow up to `maxHeight`. */
  fill?: boolean;
  maxHeight?: number;
  footer?: ReactNode;
  rowHeight?: number;
}

const selectWidth = 36;
const headerHeight = 33;
const overscan = 12;

/** Sorts rows in the browser by a column's `sortValue`; missing values go last either way. */
export function sortRows<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  sort: SortState | undefined,
): T[] {
  const column = sort && columns.find((candidate) => candidate.id === sort.id);
  if (!sort || !column?.sortValue) return rows.slice();
  const value = column.sortValue;
  const direction = sort.desc ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index, key: value(row) }))
    .sort((a, b) => {
      const aMissing =
        a.key === null || a.key === undefined || (typeof a.key === 'number' && Number.isNaN(a.key));
      const bMissing =
        b.key === null || b.key === undefined || (typeof b.key === 'number' && Number.isNaN(b.key));
      if (aMissing || bMissing) return aMissing === bMissing ? a.index - b.index : aMissing ? 1 : -1;
      const order =
        typeof a.key === 'number' && typeof b.key === 'number'
          ? a.key - b.key
          : String(a.key).localeCompare(String(b.key), undefined, { numeric: true });
      return order * direction || a.index - b.index;
    })
    .map((entry) => entry.row);
}

interface RowEvents<T> {
  activate: (index: number) => void;
  open: (row: T) => void;
  toggle: (index: number, range: boolean) => void;
}

interface RowProps<T> {
  row: T;
  rowId: string;
  index: number;
  domId: string;
  columns: readonly Column<T>[];
  template: string;
  stickyLeft: ReadonlyMap<string, number>;
  rowHeight: number;
  selectable: boolean;
  selected: boolean;
  active: boolean;
  clickable: boolean;
  extraClass: string | undefined;
  events: RowEvents<T>;
}

function RowView<T>({
  row,
  rowId,
  index,
  domId,
  columns,
  template,
  stickyLeft,
  rowHeight,
  selectable,
  selected,
  active,
  clickable,
  extraClass,
  events,
}: RowProps<T>) {
  return (
    <tr
      id={domId}
      className={['table-row', clickable ? 'clickable' : '', active ? 'active' : '', extraClass ?? ''].join(
        ' ',
      )}
      aria-rowindex={index + 2}
      aria-selected={selectable ? selected : undefined}
      data-row-key={rowId}
      style={{ gridTemplateColumns: template, top: index * rowHeight, height: rowHeight }}
      onClick={() => events.activate(index)}
      onDoubleClick={() => events.open(row)}
    >
      {selectable ? (
        <td className="td check-cell sticky" style={{ left: 0 }}>
          <input
            type="checkbox"
            aria-label="Select row"
            checked={selected}
            tabIndex={-1}
            onClick={(event: MouseEvent<HTMLInputElement>) => {
              event.stopPropagation();
              events.activate(index);
              events.toggle(index, event.shiftKey);
            }}
            onChange={() => {}}
          />
        </td>
      ) : null}
      {columns.map((column) => {
        const left = stickyLeft.get(column.id);
        return (
          <td
            key={column.id}
            className={[
              'td',
              column.align === 'right' ? 'align-right' : '',
              left !== undefined ? 'sticky' : '',
            ].join(' ')}
            style={left !== undefined ? { left } : undefined}
            title={column.title?.(row)}
          >
            {column.cell(row)}
          </td>
        );
      })}
      <td aria-hidden="true" />
    </tr>
  );
}

const Row = memo(RowView) as typeof RowView;

/**
 * The one table of the dashboard: columns come as data, rows are virtual (only those in view are
 * in the DOM, so 10,000 rows scroll like 50), and the keyboard drives it: ↑/↓ or j/k move, Space
 * or x selects, Enter opens, Home/End jump.
 */
export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  status,
  error,
  onRetry,
  empty,
  sort,
  onSortChange,
  selection,
  onSelectionChange,
  onOpen,
  onEndReached,
  rowClassName,
  fill = false,
  maxHeight = 560,
  footer,
  rowHeight = 32,
}: DataTableProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [active, setActive] = useState<number | undefined>(undefined);
  const lastToggled = useRef<number | undefined>(undefined);
  const baseId = useId();
  const selectable = !!onSelectionChange;

  const template = useMemo(() => {
    const widths = columns.map((column) =>
      column.grow ? `minmax(${column.width}px, 1fr)` : `${column.width}px`,
    );
    const filler = columns.some((column) => column.grow) ? '0px' : 'minmax(0, 1fr)';
    return [...(selectable ? [`${selectWidth}px`] : []), ...widths, filler].join(' ');
  }, [columns, selectable]);

  const stickyLeft = useMemo(() => {
    const offsets = new Map<string, number>();
    let left = selectable ? selectWidth : 0;
    for (const column of columns) {
      if (!column.sticky) break;
      offsets.set(column.id, left);
      left += column.width;
    }
    return offsets;
  }, [columns, selectable]);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    setViewport(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const frame = useRef(0);
  const onScroll = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(scrollRef.current?.scrollTop ?? 0));
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const bodyTop = Math.max(0, scrollTop - headerHeight);
  const first = Math.max(0, Math.floor(bodyTop / rowHeight) - overscan);
  const last = Math.min(rows.length, Math.ceil((bodyTop + viewport) / rowHeight) + overscan);

  const endReached = useRef(onEndReached);
  endReached.current = onEndReached;
  useEffect(() => {
    if (rows.length > 0 && last >= rows.length - overscan * 2) endReached.current?.();
  }, [last, rows.length]);

  // A new result (filter, sort) starts from the top with no active row.
  const firstKey = rows[0] ? rowKey(rows[0]) : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the result changes
  useEffect(() => {
    setActive(undefined);
  }, [firstKey, sort?.id, sort?.desc]);

  const reveal = (index: number) => {
    const element = scrollRef.current;
    if (!element) return;
    const top = index * rowHeight;
    const visibleTop = element.scrollTop;
    const visibleBottom = visibleTop + element.clientHeight - headerHeight;
    if (top < visibleTop) element.scrollTop = top;
    else if (top + rowHeight > visibleBottom)
      element.scrollTop = top + rowHeight - element.clientHeight + headerHeight;
  };

  const toggle = (index: number, range: boolean) => {
    if (!onSelectionChange || !selection) return;
    const next = new Set(selection);
    const row = rows[index];
    if (!row) return;
    const key = rowKey(row);
    const on = !next.has(key);
    if (range && lastToggled.current !== undefined) {
      const [from, to] = [Math.min(lastToggled.current, index), Math.max(lastToggled.current, index)];
      for (let i = from; i <= to; i++) {
        const item = rows[i];
        if (item) {
          if (on) next.add(rowKey(item));
          else next.delete(rowKey(item));
        }
      }
    } else if (on) next.add(key);
    else next.delete(key);
    lastToggled.current = index;
    onSelectionChange(next);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>) => {
    if (event.target !== event.currentTarget || rows.length === 0) return;
    const page = Math.max(1, Math.floor((viewport - headerHeight) / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      j: 1,
      ArrowUp: -1,
      k: -1,
      PageDown: page,
      PageUp: -page,
      Home: Number.NEGATIVE_INFINITY,
      End: Number.POSITIVE_INFINITY,
    };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      const from = active ?? -1;
      const next = Math.max(
        0,
        Math.min(rows.length - 1, Number.isFinite(move) ? from + move : move > 0 ? rows.length - 1 : 0),
      );
      setActive(next);
      reveal(next);
      return;
    }
    if (active === undefined) return;
    const row = rows[active];
    if (!row) return;
    if ((event.key === ' ' || event.key === 'x') && selectable) {
      event.preventDefault();
      toggle(active, event.shiftKey);
    } else if (event.key === 'Enter' && onOpen) {
      event.preventDefault();
      onOpen(row);
    }
  };

  // Rows are memoised: they get one stable set of handlers that read the latest state via refs,
  // so scrolling re-renders only the rows that come into view.
  const latest = useRef({ toggle, onOpen });
  latest.current = { toggle, onOpen };
  const rowEvents = useMemo<RowEvents<T>>(
    () => ({
      activate: (index) => setActive(index),
      open: (row) => latest.current.onOpen?.(row),
      toggle: (index, range) => latest.current.toggle(index, range),
    }),
    [],
  );

  const allSelected = selectable && rows.length > 0 && rows.every((row) => selection?.has(rowKey(row)));
  const someSelected = selectable && !allSelected && rows.some((row) => selection?.has(rowKey(row)));

  const headerCheckbox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (headerCheckbox.current) headerCheckbox.current.indeterminate = someSelected;
  }, [someSelected]);

  const clickSort = (column: Column<T>) => {
    if (!onSortChange) return;
    const firstDesc = (column.firstSort ?? (column.align === 'right' ? 'desc' : 'asc')) === 'desc';
    if (sort?.id !== column.id) onSortChange({ id: column.id, desc: firstDesc });
    else if (sort.desc === firstDesc) onSortChange({ id: column.id, desc: !firstDesc });
    else onSortChange(undefined);
  };

  const showSkeleton = status === 'loading' && rows.length === 0;
  const showError = status === 'error' && rows.length === 0 && error;
  const showEmpty = status === 'ready' && rows.length === 0;
  const activeId = active !== undefined && rows[active] ? `${baseId}-row-${active}` : undefined;
  const bodyHeight = rows.length * rowHeight;

  return (
    <div className={fill ? 'table-frame fill' : 'table-frame'}>
      <div
        ref={scrollRef}
        className="table-scroll"
        style={
          fill
            ? undefined
            : { maxHeight, minHeight: showSkeleton || showEmpty || showError ? 240 : undefined }
        }
        onScroll={onScroll}
      >
        <table
          className="table-grid"
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA grid pattern on table markup
          role="grid"
          tabIndex={0}
          onKeyDown={onKeyDown}
          aria-label={label}
          aria-rowcount={rows.length + 1}
          aria-multiselectable={selectable || undefined}
          aria-activedescendant={activeId}
          aria-busy={status === 'loading'}
          data-rows={rows.length}
          data-status={status}
        >
          <thead>
            <tr className="table-head" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
              {selectable ? (
                <th className="th check-cell sticky" style={{ left: 0 }}>
                  <input
                    ref={headerCheckbox}
                    type="checkbox"
                    aria-label="Select all rows"
                    checked={allSelected}
                    onChange={() =>
                      onSelectionChange?.(allSelected ? new Set() : new Set(rows.map((row) => rowKey(row))))
                    }
                    tabIndex={-1}
                  />
                </th>
              ) : null}
              {columns.map((column) => {
                const sorted = sort?.id === column.id ? (sort.desc ? 'descending' : 'ascending') : undefined;
                const left = stickyLeft.get(column.id);
                const className = [
                  'th',
                  column.align === 'right' ? 'align-right' : '',
                  left !== undefined ? 'sticky' : '',
                ].join(' ');
                const content = (
                  <>
                    {column.group ? (
                      <span className={`th-group th-group-${column.group}`} aria-hidden="true" />
                    ) : null}
                    <span>{column.header}</span>
                    {sorted === 'descending' ? <ChevronDownIcon size={12} /> : null}
                    {sorted === 'ascending' ? <ChevronUpIcon size={12} /> : null}
                  </>
                );
                return (
                  <th
                    key={column.id}
                    className={className}
                    aria-sort={sorted ?? (column.sortable ? 'none' : undefined)}
                    title={column.group ? `${column.group}: ${column.header}` : column.header}
                    style={left !== undefined ? { left } : undefined}
                    data-column={column.id}
                  >
                    {column.sortable && onSortChange ? (
                      <button type="button" className="sort" onClick={() => clickSort(column)}>
                        {content}
                      </button>
                    ) : (
                      content
                    )}
                  </th>
                );
              })}
              <th />
            </tr>
          </thead>
          <tbody className="table-virtual" style={{ height: bodyHeight }}>
            {rows.slice(first, last).map((row, offset) => {
              const index = first + offset;
              const key = rowKey(row);
              return (
                <Row
                  key={key}
                  row={row}
                  rowId={key}
                  index={index}
                  domId={`${baseId}-row-${index}`}
                  columns={columns}
                  template={template}
                  stickyLeft={stickyLeft}
                  rowHeight={rowHeight}
                  selectable={selectable}
                  selected={selection?.has(key) ?? false}
                  active={index === active}
                  clickable={!!onOpen}
                  extraClass={rowClassName?.(row)}
                  events={rowEvents}
                />
              );
            })}
          </tbody>
        </table>
        {showSkeleton ? (
          <div className="table-overlay">
            <SkeletonRows />
          </div>
        ) : null}
        {showError ? (
          <div className="table-overlay">
            <ErrorState error={error} title="Could not load this list" onRetry={onRetry} />
          </div>
        ) : null}
        {showEmpty ? (
          <div className="table-overlay">{empty ?? <EmptyState title="Nothing here yet" />}</div>
        ) : null}
      </div>
      {footer ? <div className="table-footer">{footer}</div> : null}
    </div>
  );
}
