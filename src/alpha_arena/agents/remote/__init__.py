"""Agents built elsewhere (bring your own agent): the engine POSTs the signed decision context
to the agent's HTTPS endpoint and parses its answer as an LLM trader's (docs/remote-agents.md)."""
