// A strategy's parameters as inputs: a whole number, a number or a flag, each with its default.
import type { FormErrors, ParamInfo } from './backtestForm';
import { Field } from './Field';

export function ParamInput({
  param,
  value,
  error,
  onChange,
}: {
  param: ParamInfo;
  value: string | boolean | undefined;
  error?: string;
  onChange: (value: string | boolean) => void;
}) {
  const label = `${param.name} (${param.type}, default ${String(param.default)})`;
  if (param.type === 'bool') {
    return (
      <label className="bt-check" data-testid={`param-${param.name}`}>
        <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        {label}
      </label>
    );
  }
  return (
    <Field label={label} error={error}>
      <input
        type="number"
        step={param.type === 'int' ? 1 : 'any'}
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => onChange(e.target.value)}
        data-testid={`param-${param.name}`}
      />
    </Field>
  );
}

export function ParamInputs({
  params,
  values,
  errors,
  onChange,
}: {
  params: readonly ParamInfo[];
  values: Record<string, string | boolean>;
  errors: FormErrors;
  onChange: (name: string, value: string | boolean) => void;
}) {
  if (params.length === 0) return <p className="muted">This strategy has no parameters.</p>;
  return (
    <div className="bt-form-grid">
      {params.map((param) => (
        <ParamInput key={param.name} param={param} value={values[param.name]} error={errors[`param.${param.name}`]} onChange={(v) => onChange(param.name, v)} />
      ))}
    </div>
  );
}
