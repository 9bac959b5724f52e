import { useState } from 'react';
import { NavLink, Outlet } from 'react-router-dom';

import { applyTheme, initialTheme, type Theme } from '../lib/theme';

const LINKS = [
  { to: '/', label: 'Arena', end: true },
  { to: '/seasons', label: 'Seasons' },
  { to: '/series', label: 'Series' },
  { to: '/agents', label: 'Agents' },
  { to: '/backtests', label: 'Backtests' },
  { to: '/market', label: 'Market' },
  { to: '/data', label: 'Data' },
  { to: '/system', label: 'System' },
];

export function Layout() {
  const [theme, setTheme] = useState<Theme>(() => {
    const first = initialTheme();
    applyTheme(first);
    return first;
  });
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    setTheme(next);
  };
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Alpha Arena
        </NavLink>
        <nav aria-label="Pages">
          {LINKS.map((link) => (
            <NavLink key={link.to} to={link.to} end={link.end}>
              {link.label}
            </NavLink>
          ))}
          <a href="/api/v1/docs">API docs</a>
        </nav>
        <button type="button" className="theme-toggle" onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <main id="main">
        <Outlet />
      </main>
      <footer className="footer">
        Charts by{' '}
        <a href="https://www.tradingview.com/" rel="noreferrer">
          TradingView
        </a>{' '}
        Lightweight Charts™ · market data: Binance
      </footer>
    </div>
  );
}
