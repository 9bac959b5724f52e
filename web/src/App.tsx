// The pages, each code-split so the Arena page loads only what it draws.
import { lazy, Suspense } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';

import { Layout } from './components/Layout';
import { Skeleton } from './components/States';
import { NotFound } from './pages/NotFound';

const ArenaPage = lazy(() => import('./pages/arena/ArenaPage'));
const SeasonPage = lazy(() => import('./pages/season/SeasonPage'));
const SeasonsPage = lazy(() => import('./pages/seasons/SeasonsPage'));
const SeriesPage = lazy(() => import('./pages/series/SeriesPage'));
const AgentsPage = lazy(() => import('./pages/agents/AgentsPage'));
const PromptsPage = lazy(() => import('./pages/agents/PromptsPage'));
const BacktestsPage = lazy(() => import('./pages/backtests/BacktestsPage'));
const MarketPage = lazy(() => import('./pages/market/MarketPage'));
const DataPage = lazy(() => import('./pages/data/DataPage'));
const SystemPage = lazy(() => import('./pages/system/SystemPage'));

function page(element: React.ReactNode) {
  return <Suspense fallback={<Skeleton rows={6} />}>{element}</Suspense>;
}

export const routes = [
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: page(<ArenaPage />) },
      { path: 'arena/:seasonId', element: page(<ArenaPage />) },
      { path: 'seasons', element: page(<SeasonsPage />) },
      { path: 'seasons/:seasonId', element: page(<SeasonPage />) },
      { path: 'seasons/:seasonId/entries/:entry', element: page(<SeasonPage />) },
      { path: 'series', element: page(<SeriesPage />) },
      { path: 'series/:seriesId', element: page(<SeriesPage />) },
      { path: 'agents', element: page(<AgentsPage />) },
      { path: 'prompts', element: page(<PromptsPage />) },
      { path: 'prompts/:name', element: page(<PromptsPage />) },
      { path: 'backtests/*', element: page(<BacktestsPage />) },
      { path: 'market', element: page(<MarketPage />) },
      { path: 'data', element: page(<DataPage />) },
      { path: 'system', element: page(<SystemPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App() {
  return <RouterProvider router={router} />;
}
