// A remote agent's endpoint, checked in the form by the API's own rule (RemoteAgentConfig in
// agents/config.py): https, or plain http only to a loopback host; no credentials, no spaces.
// The host is read from the text as Python's urlsplit reads it (not with URL, which rewrites
// hosts such as 127.1 into 127.0.0.1 that the API would then refuse).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const MAX_LENGTH = 512;

function hostOf(authority: string): string {
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end < 0 ? '' : hostPort.slice(1, end).toLowerCase();
  }
  return (hostPort.split(':')[0] ?? '').toLowerCase();
}

/** What is wrong with `url` as a remote agent's endpoint, or undefined when the API takes it. */
export function remoteUrlProblem(url: string): string | undefined {
  if (url === '') return 'The bot’s endpoint, e.g. https://bot.example.com/decide.';
  if (url.length > MAX_LENGTH) return `At most ${MAX_LENGTH} characters.`;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const authority = match?.[2] ?? '';
  if (!match || (scheme !== 'http' && scheme !== 'https') || hostOf(authority) === '') {
    return 'An https URL, e.g. https://bot.example.com/decide.';
  }
  if (authority.includes('@') || /\s/.test(url)) return 'No credentials or spaces in it: requests are signed.';
  if (scheme === 'http' && !LOOPBACK_HOSTS.has(hostOf(authority))) {
    return 'Use https: plain http only to a loopback host (127.0.0.1, localhost or ::1), for a bot on this machine.';
  }
  return undefined;
}
