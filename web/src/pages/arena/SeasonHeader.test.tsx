import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { describe, expect, it } from 'vitest';

import { SeasonHeader } from './SeasonHeader';
import { season } from './testFixtures';

function header(mode: string) {
  const shown = season({ mode });
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
  });
});
