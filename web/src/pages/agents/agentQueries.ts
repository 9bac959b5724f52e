// The agents and prompts pages' reads, with their query keys (writes invalidate the prefixes).
import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '../../api/client';

export const AGENTS_KEY = ['agents'] as const;
export const PROMPTS_KEY = ['prompts'] as const;

export const agentListQuery = queryOptions({
  queryKey: [...AGENTS_KEY, 'list'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/agents', { params: { query: { limit: 1000 } }, signal })),
});

export function llmCallsQuery(name: string, limit: number) {
  return queryOptions({
    queryKey: [...AGENTS_KEY, name, 'llm-calls', limit],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/agents/{name}/llm-calls', { params: { path: { name }, query: { limit } }, signal })),
  });
}

export const promptListQuery = queryOptions({
  queryKey: [...PROMPTS_KEY, 'list'],
  queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/prompts', { params: { query: { limit: 1000 } }, signal })),
});

export function promptVersionQuery(name: string, version: number) {
  return queryOptions({
    queryKey: [...PROMPTS_KEY, name, 'version', version],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/prompts/{name}/versions/{version}', { params: { path: { name, version } }, signal })),
    staleTime: Infinity, // a stored version never changes
  });
}
