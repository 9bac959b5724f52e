import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it } from 'vitest';

import { SeasonHeader } from './SeasonHeader';
import { season } from './testFixtures';

function header(mode: string, config: Record<string, unknown> = {}) {
  const shown = season({ mode, config });
  render(
    <MemoryRouter>
      <SeasonHeader seasons={[shown]} season={shown} progress={{}} connection="open" />
    </MemoryRouter>,
  );
}

describe('SeasonHeader', () => {
  it('says a live season’s figures are real exchange executions', () => {
    header('live');
    expect(screen.getByTestId('season-real').textContent).toBe('live: real exchange executions');
  });

  it('says nothing of the kind for a replay or paper season', () => {
    header('replay');
    expect(screen.queryByTestId('season-real')).toBeNull();
    expect(screen.queryByTestId('season-anonymized')).toBeNull();
  });

  it('says when its language models saw an anonymized tape', () => {
    header('replay', { anonymize: true, symbols: ['BTC/USDT:USDT'] });
    expect(screen.getByTestId('season-anonymized').textContent).toBe('anonymized tape');
  });
});
