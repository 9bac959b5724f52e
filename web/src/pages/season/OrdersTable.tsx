// Orders, newest first; each expands to its lifecycle events (accepted, filled, cancelled...).
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';

import type { Schemas } from '../../api/client';
import { Time } from '../../components/Values';
import { coinOf } from '../../lib/format';
import { EntryCell } from './EntryCell';
import { listFilter, type ListProps } from './listProps';
import { leverage, price, quantity } from './numbers';
import { LIST_PAGE, ordersQuery } from './seasonQueries';
import { SeasonTable } from './SeasonList';

type Order = Schemas['OrderOut'];

export function OrdersTable({ seasonId, onPage, colorOf, ...filters }: ListProps) {
  const orders = useQuery(ordersQuery(seasonId, listFilter(filters, LIST_PAGE)));
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((before) => {
      const next = new Set(before);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <SeasonTable
      query={orders}
      noun="orders"
      empty="No orders yet: orders show here once an entry trades."
      testId="orders"
      onPage={onPage}
      head={
        <>
          <th>
            <span className="visually-hidden">Lifecycle</span>
          </th>
          <th>Created (UTC)</th>
          <th>Entry</th>
          <th>Coin</th>
          <th>Side</th>
          <th>Type</th>
          <th className="num">Qty</th>
          <th className="num">Price</th>
          <th className="num">Lev.</th>
          <th>Tag</th>
          <th>Status</th>
        </>
      }
      row={(order) => {
        const key = `${order.entry}/${order.client_order_id}`;
        const expanded = open.has(key);
        return (
          <Fragment key={key}>
            <tr data-testid="order-row">
              <td>
                <button
                  type="button"
                  className="row-toggle"
                  aria-expanded={expanded}
                  aria-label={`Lifecycle of order ${order.client_order_id}`}
                  onClick={() => toggle(key)}
                >
                  {expanded ? '▾' : '▸'} {order.events.length}
                </button>
              </td>
              <td className="num"><Time ts={order.ts} /></td>
              <EntryCell name={order.entry} color={colorOf(order.entry)} />
              <td title={order.symbol}>{coinOf(order.symbol)}</td>
              <td className={order.side === 'buy' ? 'gain' : 'loss'}>{order.side}</td>
              <td>
                {order.type}
                {order.reduce_only && <span className="badge">reduce only</span>}
              </td>
              <td className="num">{quantity(order.quantity)}</td>
              <td className="num">{orderPrice(order)}</td>
              <td className="num">{leverage(order.leverage)}</td>
              <td>{order.tag}</td>
              <td><span className={`badge status-${order.status}`}>{order.status}</span></td>
            </tr>
            {expanded && (
              <tr className="order-events">
                <td />
                <td colSpan={10}>
                  <OrderEvents order={order} />
                </td>
              </tr>
            )}
          </Fragment>
        );
      }}
    />
  );
}

function orderPrice(order: Order): string {
  if (order.trigger_price !== null) return `trigger ${price(order.trigger_price)}`;
  if (order.price !== null) return price(order.price);
  return 'market';
}

function OrderEvents({ order }: { order: Order }) {
  if (order.events.length === 0) return <p className="muted">No lifecycle events recorded.</p>;
  return (
    <table className="compact nested" data-testid="order-events">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Event</th>
          <th>Status</th>
          <th className="num">Qty</th>
          <th className="num">Price</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {order.events.map((event, index) => (
          <tr key={index} data-testid="order-event">
            <td className="num"><Time ts={event.ts} /></td>
            <td>{event.action}</td>
            <td>
              {event.status_from} → {event.status_to}
            </td>
            <td className="num">{event.quantity ? quantity(event.quantity) : '—'}</td>
            <td className="num">{event.price ? price(event.price) : '—'}</td>
            <td>{event.reason || <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
