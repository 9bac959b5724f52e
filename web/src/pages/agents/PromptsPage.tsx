// Prompt templates: each prompt's versions, any version's text, a line diff between two
// versions, and a form to store a new version.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';

import type { Schemas } from '../../api/client';
import { Empty, ErrorState, QueryView, Skeleton } from '../../components/States';
import { Time } from '../../components/Values';
import { promptListQuery, promptVersionQuery } from './agentQueries';
import './manage.css';
import { PromptDiff } from './PromptDiff';
import { PromptVersionForm, type Stored } from './PromptVersionForm';

type Summary = Schemas['PromptSummary'];

function byName(items: Summary[]): Map<string, Summary[]> {
  const groups = new Map<string, Summary[]>();
  for (const item of items) groups.set(item.name, [...(groups.get(item.name) ?? []), item]);
  for (const versions of groups.values()) versions.sort((a, b) => a.version - b.version);
  return groups;
}

function VersionSelect({ label, value, versions, onChange, testId }: {
  label: string; value: number; versions: Summary[]; onChange: (v: number) => void; testId: string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
            {v.description ? ` — ${v.description}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

function TemplateView({ name, version }: { name: string; version: number }) {
  const prompt = useQuery(promptVersionQuery(name, version));
  if (prompt.isPending) return <Skeleton rows={8} />;
  if (prompt.error) return <ErrorState error={prompt.error} />;
  return (
    <pre className="template" data-testid="prompt-template-view">
      {prompt.data.template}
    </pre>
  );
}

function PromptDetail({ name, versions }: { name: string; versions: Summary[] }) {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const [adding, setAdding] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const newest = versions[versions.length - 1];
  const has = (v: number) => versions.some((item) => item.version === v);
  const param = (key: string, fallback: number) => {
    const value = Number(search.get(key));
    return has(value) ? value : fallback;
  };
  const to = param('to', newest?.version ?? 1);
  const from = param('from', versions.length > 1 ? (versions[versions.length - 2]?.version ?? to) : to);
  const shown = param('show', to);
  const newestTemplate = useQuery({ ...promptVersionQuery(name, newest?.version ?? 1), enabled: adding && newest !== undefined });
  const pick = (changes: Record<string, number>) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      for (const [key, value] of Object.entries(changes)) next.set(key, String(value));
      return next;
    }, { replace: true });

  const stored = ({ prompt, isNew }: Stored) => {
    setAdding(false);
    if (!isNew) {
      setSaid(`Unchanged: that template is version ${prompt.version} of ${prompt.name} already.`);
      return;
    }
    setSaid(`Stored ${prompt.name} version ${prompt.version}.`);
    if (prompt.name !== name) {
      navigate(`/prompts/${encodeURIComponent(prompt.name)}`);
      return;
    }
    pick({ from: newest?.version ?? prompt.version, to: prompt.version, show: prompt.version });
  };

  return (
    <div className="manage-stack">
      <div className="panel">
        <div className="manage-head">
          <h2>{name}</h2>
          <button type="button" className="primary" aria-expanded={adding} onClick={() => { setSaid(null); setAdding((a) => !a); }} data-testid="add-version">
            {adding ? 'Close the editor' : 'Add a version'}
          </button>
        </div>
        {said && (
          <div className="notice ok" role="status" data-testid="prompt-result">
            {said}
          </div>
        )}
        {adding &&
          (newestTemplate.isPending ? (
            <Skeleton rows={6} />
          ) : newestTemplate.error ? (
            <ErrorState error={newestTemplate.error} />
          ) : (
            <PromptVersionForm key={newestTemplate.data.sha256} name={name} template={newestTemplate.data.template} onStored={stored} />
          ))}
        <div className="table-wrap">
          <table data-testid="prompt-versions">
            <thead>
              <tr>
                <th className="num">Version</th>
                <th>What changed</th>
                <th>SHA-256</th>
                <th className="num">Stored (UTC)</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.version} data-testid="prompt-version-row">
                  <td className="num">v{v.version}</td>
                  <td>{v.description || <span className="muted">—</span>}</td>
                  <td>
                    <code title={v.sha256}>{v.sha256.slice(0, 12)}</code>
                  </td>
                  <td className="num">
                    <Time ts={v.ts_created} />
                  </td>
                  <td>
                    <button type="button" aria-pressed={shown === v.version} onClick={() => pick({ show: v.version })}>
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <div className="panel">
        <div className="manage-head">
          <h2>Changes</h2>
          <div className="row">
            <VersionSelect label="From" value={from} versions={versions} onChange={(v) => pick({ from: v })} testId="diff-from" />
            <VersionSelect label="To" value={to} versions={versions} onChange={(v) => pick({ to: v })} testId="diff-to" />
          </div>
        </div>
        {versions.length < 2 ? (
          <Empty>Only one version so far: add a version to compare two.</Empty>
        ) : (
          <PromptDiff name={name} from={from} to={to} />
        )}
      </div>

      <div className="panel">
        <h2>Version {shown}</h2>
        <TemplateView name={name} version={shown} />
      </div>
    </div>
  );
}

export default function PromptsPage() {
  const { name } = useParams();
  const prompts = useQuery(promptListQuery);
  return (
    <section className="page manage-stack" aria-labelledby="prompts-title">
      <div className="manage-head">
        <h1 id="prompts-title">Prompt templates</h1>
        <Link to="/agents">Agents</Link>
      </div>
      <QueryView
        query={prompts}
        rows={6}
        isEmpty={(page) => page.items.length === 0}
        empty={<>No prompts stored yet: the shipped default appears once the API has started.</>}
      >
        {(page) => {
          const groups = byName(page.items);
          const current = name ?? [...groups.keys()][0] ?? '';
          const versions = groups.get(current);
          return (
            <div className="prompt-layout">
              <nav className="panel" aria-label="Prompts">
                <ul className="prompt-list" data-testid="prompt-list">
                  {[...groups].map(([prompt, items]) => (
                    <li key={prompt}>
                      <Link to={`/prompts/${encodeURIComponent(prompt)}`} aria-current={prompt === current ? 'page' : undefined}>
                        {prompt} <span className="muted small">{items.length} version(s)</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
              {versions ? (
                <PromptDetail key={current} name={current} versions={versions} />
              ) : (
                <Empty>
                  No prompt named “{current}”: pick one from the list.
                </Empty>
              )}
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}
