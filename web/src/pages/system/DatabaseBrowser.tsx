// A read-only look at the database: the tables with their row counts, a page of the chosen
// table's rows, and filters per column. Columns that may hold secrets are never sent by the
// API; the state lives in the URL so a view can be linked to.
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { Pager } from '../../components/Pager';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { Time } from '../../components/Values';
import {
  countLabel,
  filterText,
  isTimeColumn,
  PAGE_SIZE,
  readBrowserState,
  writeBrowserState,
  type BrowserState,
  type Operator,
} from './browserState';
import { useTableRows, useTables } from './queries';

type Table = Schemas['TableOut'];
type Column = Schemas['ColumnOut'];

export function DatabaseBrowser() {
  const [params, setParams] = useSearchParams();
  const state = readBrowserState(params);
  const tables = useTables();
  const go = (next: Partial<BrowserState>) => setParams(writeBrowserState(params, { ...state, ...next }));

  if (tables.isPending) return <Skeleton rows={6} label="Loading tables" />;
  if (tables.error) return <ErrorState error={tables.error} title="Could not list the tables" />;
  const chosen = tables.data.tables.find((table) => table.name === state.table) ?? null;
  return (
    <div className="db-browser" data-testid="db-browser">
      <nav className="db-tables" aria-label="Tables">
        <ul data-testid="db-tables">
          {tables.data.tables.map((table) => (
            <li key={table.name}>
              <button
                type="button"
                aria-pressed={table.name === state.table}
                onClick={() => go({ table: table.name, offset: 0, filters: [], order: 'asc' })}
                data-testid="db-table"
                data-table={table.name}
              >
                <span>{table.name}</span>
                <span className="num muted" data-testid="db-table-rows" data-rows={table.rows} data-count={table.count}>
                  {countLabel(table.rows, table.count)}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <p className="muted small">
          {tables.data.backend} · counts stop at {tables.data.count_cap.toLocaleString('en-US')} rows (“+”) or are the planner’s
          estimate (“≈”), so that the bulk tables page fast.
        </p>
      </nav>
      <div className="db-rows">
        {chosen ? (
          <TableView table={chosen} state={state} go={go} />
        ) : (
          <Empty>Pick a table on the left to page through its rows.</Empty>
        )}
      </div>
    </div>
  );
}

function TableView({ table, state, go }: { table: Table; state: BrowserState; go: (next: Partial<BrowserState>) => void }) {
  const rows = useTableRows(state);
  return (
    <div data-testid="db-table-view">
      <div className="row db-head">
        <h3>{table.name}</h3>
        <div className="toggle" role="group" aria-label="Order">
          {(['asc', 'desc'] as const).map((order) => (
            <button key={order} type="button" aria-pressed={state.order === order} onClick={() => go({ order, offset: 0 })}>
              {order === 'asc' ? 'Oldest first' : 'Newest first'}
            </button>
          ))}
        </div>
        {table.hidden_columns > 0 && (
          <span className="muted small" data-testid="db-hidden">
            {table.hidden_columns} {table.hidden_columns === 1 ? 'column' : 'columns'} hidden: may hold keys, tokens or provider
            errors
          </span>
        )}
      </div>
      <FilterForm columns={table.columns} onAdd={(filter) => go({ filters: [...state.filters, filter], offset: 0 })} />
      {state.filters.length > 0 && (
        <ul className="chips" aria-label="Filters" data-testid="db-filters">
          {state.filters.map((filter, index) => (
            <li key={`${filterText(filter)}-${index}`} className="chip">
              <code>
                {filter.column} {filter.op === 'eq' ? '=' : 'contains'} {JSON.stringify(filter.value)}
              </code>
              <button
                type="button"
                aria-label={`Remove filter ${filter.column}`}
                onClick={() => go({ filters: state.filters.filter((_, i) => i !== index), offset: 0 })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {rows.isPending ? (
        <Skeleton rows={8} label="Loading rows" />
      ) : rows.error ? (
        <ErrorState error={rows.error} title="Could not read the rows" />
      ) : (
        <>
          <Pager
            offset={state.offset}
            limit={PAGE_SIZE}
            shown={rows.data.items.length}
            total={rows.data.total}
            count={rows.data.count}
            noun="rows"
            onOffset={(offset) => go({ offset })}
            testId="db-pager"
          />
          {rows.data.items.length === 0 ? (
            <Empty>{state.filters.length ? 'No rows match these filters: remove one to see more.' : 'This table is empty.'}</Empty>
          ) : (
            <RowsTable table={rows.data.table} columns={rows.data.columns} items={rows.data.items} />
          )}
        </>
      )}
    </div>
  );
}

function FilterForm({ columns, onAdd }: { columns: Column[]; onAdd: (filter: { column: string; op: Operator; value: string }) => void }) {
  const [column, setColumn] = useState(columns[0]?.name ?? '');
  const [op, setOp] = useState<Operator>('eq');
  const [value, setValue] = useState('');
  const known = columns.some((item) => item.name === column) ? column : (columns[0]?.name ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!known) return;
    onAdd({ column: known, op, value });
    setValue('');
  };
  return (
    <form className="row db-filter-form" onSubmit={submit} data-testid="db-filter-form">
      <label>
        Column
        <select value={known} onChange={(event) => setColumn(event.target.value)} data-testid="db-filter-column">
          {columns.map((item) => (
            <option key={item.name} value={item.name}>
              {item.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Match
        <select value={op} onChange={(event) => setOp(event.target.value as Operator)} data-testid="db-filter-op">
          <option value="eq">equals</option>
          <option value="contains">contains</option>
        </select>
      </label>
      <label>
        Value
        <input value={value} onChange={(event) => setValue(event.target.value)} data-testid="db-filter-value" />
      </label>
      <button type="submit">Add filter</button>
    </form>
  );
}

function Cell({ column, value }: { column: Column; value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">null</span>;
  if (typeof value === 'number' && isTimeColumn(column.name, column.kind)) {
    return (
      <span title={String(value)}>
        <Time ts={value} />
      </span>
    );
  }
  if (typeof value === 'boolean') return <>{value ? 'true' : 'false'}</>;
  return <>{String(value)}</>;
}

function RowsTable({ table, columns, items }: { table: string; columns: Column[]; items: Array<Record<string, unknown>> }) {
  return (
    <div className="table-wrap db-grid">
      <table data-testid="db-rows" data-table={table}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.name} className={column.kind === 'text' || column.kind === 'boolean' ? '' : 'num'} data-testid="db-column">
                {column.name}
                {column.primary_key && (
                  <span className="pk" title="primary key: rows are ordered by it">
                    pk
                  </span>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((item, index) => (
            <tr key={index} data-testid="db-row">
              {columns.map((column) => (
                <td
                  key={column.name}
                  className={column.kind === 'text' || column.kind === 'boolean' ? 'db-text' : 'num'}
                  title={column.kind === 'text' && typeof item[column.name] === 'string' ? String(item[column.name]) : undefined}
                >
                  <Cell column={column} value={item[column.name]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
