import { describe, expect, it } from 'vitest';

import { remoteUrlProblem } from './remoteUrl';

describe('remoteUrlProblem (the API rule of agents/config.py)', () => {
  it('takes https anywhere and plain http to a loopback host', () => {
    for (const url of ['https://bot.example.com/decide', 'HTTPS://Bot.Example.com', 'http://127.0.0.1:8765/decide',
      'http://localhost/x', 'http://LOCALHOST:80', 'http://[::1]:9000/decide', 'https://10.0.0.5/d?x=1']) {
      expect(remoteUrlProblem(url), url).toBeUndefined();
    }
  });

  it('refuses plain http to any other host, as the API does', () => {
    for (const url of ['http://bot.example.com/decide', 'http://10.0.0.5:80/', 'http://127.0.0.2/', 'http://127.1/',
      'http://[::2]/', 'http://localhost.example.com/']) {
      expect(remoteUrlProblem(url), url).toMatch(/loopback/);
    }
  });

  it('refuses other schemes, no host, credentials, spaces and overlong text', () => {
    expect(remoteUrlProblem('')).toMatch(/endpoint/);
    for (const url of ['ftp://bot.example.com', 'bot.example.com/decide', 'https://', 'https://:443/x', 'http://[::1/x']) {
      expect(remoteUrlProblem(url), url).toMatch(/https URL/);
    }
    expect(remoteUrlProblem('https://me:pw@bot.example.com/')).toMatch(/credentials/);
    expect(remoteUrlProblem('https://bot.example.com/a b')).toMatch(/spaces/);
    expect(remoteUrlProblem(`https://bot.example.com/${'a'.repeat(512)}`)).toMatch(/512/);
  });
});
