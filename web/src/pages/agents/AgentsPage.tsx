// Agents: the registered ones (configuration, never a key), register, edit, disable/enable,
// an LLM agent's recent model calls, any agent's report (how its calls turned out), and a
// remote agent's signing secret: shown once after registering or rotating it, then gone.
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link } from 'react-router-dom';

import { api, unwrap, type Schemas } from '../../api/client';
import { QueryView } from '../../components/States';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { Swatch, Time } from '../../components/Values';
import { agentColor } from '../../lib/colors';
import { SEASONS_KEY } from '../seasons/seasonQueries';
import { describeAgent } from './agentForm';
import { AgentFormPanel } from './AgentFormPanel';
import { AgentReport } from './AgentReport';
import { AGENTS_KEY, agentListQuery } from './agentQueries';
import { LlmCalls } from './LlmCalls';
import { rotateSecret, type RevealedSecret } from './remoteSecret';
import { SecretPanel } from './SecretPanel';
import './manage.css';

type Agent = Schemas['AgentOut'];

async function setEnabled({ name, enabled }: { name: string; enabled: boolean }): Promise<Agent> {
  const params = { params: { path: { name } } };
  if (enabled) return unwrap(await api.POST('/api/v1/agents/{name}/enable', params));
  return unwrap(await api.POST('/api/v1/agents/{name}/disable', params));
}

const usesModel = (kind: string) => kind === 'llm' || kind === 'selector';

export default function AgentsPage() {
  const agents = useQuery(agentListQuery);
  // null: no form; 'new': register; an agent: edit it.
  const [editing, setEditing] = useState<Agent | 'new' | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const [callsOf, setCallsOf] = useState<string | null>(null);
  const [reportOf, setReportOf] = useState<string | null>(null);
  // Only here, until dismissed: never in a cache or storage (remoteSecret.ts).
  const [secret, setSecret] = useState<RevealedSecret | null>(null);
  const [rotating, setRotating] = useState<string | null>(null);
  const rotate = useTokenWrite((name: string) => rotateSecret(name, setSecret), {
    onSuccess: ({ name }) => setSaid(`${name} has a new signing secret: the old one no longer works.`),
  });
  const toggle = useTokenWrite(setEnabled, {
    invalidate: [AGENTS_KEY, SEASONS_KEY],
    onSuccess: (agent) => setSaid(`${agent.name} is ${agent.enabled ? 'enabled' : 'disabled: it joins no new season'}.`),
  });

  return (
    <section className="page manage-stack" aria-labelledby="agents-title">
      <div className="manage-head">
        <h1 id="agents-title">Agents</h1>
        <div className="row">
          <Link to="/prompts">Prompt templates</Link>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setSaid(null);
              setEditing((now) => (now === 'new' ? null : 'new'));
            }}
            data-testid="new-agent"
          >
            Register an agent
          </button>
        </div>
      </div>

      {editing !== null && (
        <AgentFormPanel
          key={editing === 'new' ? 'new' : editing.name}
          agent={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSecret={setSecret}
          onDone={(agent) => {
            setSaid(`${agent.name} ${editing === 'new' ? 'is registered' : 'is saved'}: ${describeAgent(agent.kind, agent.config)}.`);
            setEditing(null);
          }}
        />
      )}
      {said && (
        <div className="notice ok" role="status" data-testid="agent-result">
          {said}
        </div>
      )}
      <WriteError error={toggle.error} />
      <WriteError error={rotate.error} testId="rotate-error" />
      {secret && <SecretPanel revealed={secret} onDismiss={() => setSecret(null)} />}

      <div className="panel">
        <QueryView
          query={agents}
          rows={8}
          isEmpty={(page) => page.items.length === 0}
          empty={
            <>
              No agents yet: run <code>arena demo</code> or use <strong>Register an agent</strong>.
            </>
          }
        >
          {(page) => (
            <div className="table-wrap">
              <table data-testid="agents-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>Description</th>
                    <th>Status</th>
                    <th>Configuration</th>
                    <th className="num">Updated (UTC)</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((agent) => (
                    <Fragment key={agent.name}>
                      <tr data-testid={`agent-row-${agent.name}`}>
                        <td>
                          <Swatch color={agentColor(agent.name)} />
                          <strong>{agent.name}</strong>
                        </td>
                        <td>{agent.kind}</td>
                        <td data-testid="agent-description">{describeAgent(agent.kind, agent.config)}</td>
                        <td>
                          <span className={`badge${agent.enabled ? '' : ' off'}`} data-testid="agent-enabled">
                            {agent.enabled ? 'enabled' : 'disabled'}
                          </span>
                        </td>
                        <td>
                          <details>
                            <summary className="small">{Object.keys(agent.config).length} fields</summary>
                            <pre className="config-json">{JSON.stringify(agent.config, null, 2)}</pre>
                          </details>
                        </td>
                        <td className="num">
                          <Time ts={agent.ts_updated} />
                        </td>
                        <td>
                          <div className="row tight">
                            <button type="button" onClick={() => { setSaid(null); setEditing(agent); }} aria-label={`Edit ${agent.name}`} data-testid="agent-edit">
                              Edit
                            </button>
                            <button
                              type="button"
                              disabled={toggle.isPending}
                              onClick={() => {
                                setSaid(null);
                                toggle.mutate({ name: agent.name, enabled: !agent.enabled });
                              }}
                              aria-label={`${agent.enabled ? 'Disable' : 'Enable'} ${agent.name}`}
                              data-testid={agent.enabled ? 'agent-disable' : 'agent-enable'}
                            >
                              {agent.enabled ? 'Disable' : 'Enable'}
                            </button>
                            {usesModel(agent.kind) && (
                              <button
                                type="button"
                                aria-expanded={callsOf === agent.name}
                                onClick={() => setCallsOf((now) => (now === agent.name ? null : agent.name))}
                                data-testid="agent-calls"
                              >
                                Model calls
                              </button>
                            )}
                            {agent.kind === 'remote' &&
                              (rotating === agent.name ? (
                                <>
                                  <button
                                    type="button"
                                    className="danger"
                                    disabled={rotate.isPending}
                                    onClick={() => {
                                      setRotating(null);
                                      setSaid(null);
                                      rotate.mutate(agent.name);
                                    }}
                                    aria-label={`Confirm: rotate the secret of ${agent.name}; the old one stops working`}
                                    title="The old secret stops working at once"
                                    data-testid="agent-rotate-confirm"
                                  >
                                    Confirm: old secret stops working
                                  </button>
                                  <button type="button" onClick={() => setRotating(null)} data-testid="agent-rotate-cancel">
                                    Cancel
                                  </button>
                                </>
                              ) : (
                                <button
                                  type="button"
                                  disabled={rotate.isPending}
                                  onClick={() => {
                                    rotate.reset();
                                    setRotating(agent.name);
                                  }}
                                  aria-label={`Rotate the secret of ${agent.name}`}
                                  data-testid="agent-rotate"
                                >
                                  {rotate.isPending && rotate.variables === agent.name ? 'Rotating…' : 'Rotate secret'}
                                </button>
                              ))}
                            <button
                              type="button"
                              aria-expanded={reportOf === agent.name}
                              onClick={() => setReportOf((now) => (now === agent.name ? null : agent.name))}
                              data-testid="agent-report-toggle"
                            >
                              Report
                            </button>
                          </div>
                        </td>
                      </tr>
                      {callsOf === agent.name && (
                        <tr>
                          <td colSpan={7}>
                            <LlmCalls name={agent.name} />
                          </td>
                        </tr>
                      )}
                      {reportOf === agent.name && (
                        <tr>
                          <td colSpan={7}>
                            <AgentReport name={agent.name} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </div>
    </section>
  );
}
