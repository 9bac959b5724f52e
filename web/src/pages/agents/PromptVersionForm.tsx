// Store a new version of a prompt (or a new prompt): the template, checked by the API (it must
// parse, have both parts and render a sample context), and a note on what changed.
import { useState, type FormEvent } from 'react';

import { api, toApiError, type Schemas } from '../../api/client';
import { useTokenWrite, WriteError } from '../../components/useTokenWrite';
import { Field } from './Field';
import { PROMPTS_KEY } from './agentQueries';

export interface Stored {
  prompt: Schemas['PromptOut'];
  /** False: the template was stored already and this is that version. */
  isNew: boolean;
}

async function store(body: Schemas['PromptCreate']): Promise<Stored> {
  const { data, error, response } = await api.POST('/api/v1/prompts', { body });
  if (error !== undefined || data === undefined) throw toApiError(response, error);
  return { prompt: data, isNew: response.status === 201 };
}

export function PromptVersionForm({ name, template, onStored }: { name: string; template: string; onStored: (stored: Stored) => void }) {
  const [target, setTarget] = useState(name);
  const [text, setText] = useState(template);
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const write = useTokenWrite(store, { invalidate: [PROMPTS_KEY], onSuccess: (stored) => onStored(stored) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wrong = !/^[A-Za-z0-9._-]{1,64}$/.test(target)
      ? "The name: up to 64 letters, digits, '-', '_' or '.'."
      : text.trim() === ''
        ? 'The template is empty.'
        : undefined;
    setProblem(wrong);
    if (!wrong) write.mutate({ name: target, template: text, description: description.trim() });
  };

  return (
    <form className="manage-stack" onSubmit={submit} noValidate data-testid="prompt-form" aria-label="Add a version">
      <div className="form-grid">
        <Field label="Prompt name" hint="Another name starts a new prompt">
          <input value={target} onChange={(e) => setTarget(e.target.value)} data-testid="prompt-name" />
        </Field>
        <Field label="What changed" hint="Shown in the version list">
          <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="terser risk rules" data-testid="prompt-description" />
        </Field>
      </div>
      <Field label="Template (Jinja2: a system part, the line “----- user -----”, a user part)" error={problem} wide>
        <textarea className="template-edit" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="prompt-template" />
      </Field>
      <WriteError error={write.error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={write.isPending} data-testid="save-prompt">
          {write.isPending ? 'Storing…' : 'Store as a new version'}
        </button>
      </div>
    </form>
  );
}
