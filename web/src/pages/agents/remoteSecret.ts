// A remote agent's signing secret is shown once: the writes that return one hand it to the page
// through `reveal` and return the agent without it, so it never rests in the mutation cache
// (a mutation's data), a query cache or any storage; only in the secret panel's state until
// that is dismissed.
import { api, unwrap, type Schemas } from '../../api/client';

export interface RevealedSecret {
  name: string;
  secret: string;
  /** From "Rotate secret" (the old one stopped working), not from registering. */
  rotated: boolean;
}

export type Reveal = (secret: RevealedSecret) => void;

/** The created agent without its secret; the secret, if any, goes to `reveal`. */
export function withoutSecret(created: Schemas['AgentCreated'], reveal: Reveal): Schemas['AgentOut'] {
  const { secret, ...agent } = created;
  if (secret) reveal({ name: agent.name, secret, rotated: false });
  return agent;
}

/** POST /agents/{name}/rotate-secret; the new secret goes to `reveal`, the answer keeps the name only. */
export async function rotateSecret(name: string, reveal: Reveal): Promise<{ name: string }> {
  const rotated = unwrap(await api.POST('/api/v1/agents/{name}/rotate-secret', { params: { path: { name } } }));
  reveal({ name: rotated.name, secret: rotated.secret, rotated: true });
  return { name: rotated.name };
}
