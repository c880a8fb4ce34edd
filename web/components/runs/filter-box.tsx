'use client';
import { forwardRef, useEffect, useState } from 'react';
import { Kbd } from '@/components/ui/badge';
import { SearchIcon } from '@/components/ui/icons';

/**
 * The runs filter, in MLflow's grammar. It applies on Enter (a half-typed filter is not an
 * error worth showing) and an invalid one is pointed at where the server stopped reading.
 */
export const FilterBox = forwardRef<
  HTMLInputElement,
  { value: string; onApply: (filter: string) => void; error?: { message: string; position?: number } }
>(function FilterBox({ value, onApply, error }, ref) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 6, flex: 1, minWidth: 280, maxWidth: 720 }}>
      <form
        className="filter-box"
        style={{ maxWidth: 'none' }}
        onSubmit={(event) => {
          event.preventDefault();
          onApply(text.trim());
        }}
      >
        <SearchIcon size={14} />
        <input
          ref={ref}
          className="input"
          type="search"
          spellCheck={false}
          autoComplete="off"
          aria-label="Filter runs"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'filter-error' : undefined}
          placeholder="metrics.accuracy > 0.9 and params.lr = '0.01'"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value === '' && value !== '') onApply('');
          }}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              setText(value);
              (event.target as HTMLInputElement).blur();
            }
          }}
        />
        {text ? null : <Kbd>/</Kbd>}
      </form>
      {error ? (
        <div className="inline-error" id="filter-error" role="alert" data-testid="filter-error">
          <div style={{ minWidth: 0 }}>
            <div>{error.message}</div>
            {error.position !== undefined ? (
              <pre aria-hidden="true">
                {value}
                {'\n'}
                {' '.repeat(Math.max(0, error.position))}^
              </pre>
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
});
