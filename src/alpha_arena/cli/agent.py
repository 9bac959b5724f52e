"""``arena agent`` and ``arena prompt``: register agents, version prompts, ask for a decision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
from rich.table import Table

from alpha_arena.cli.common import app_context, console, one_line_errors, print_json
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts, to_iso

# The agents, the model SDKs and the stores are imported inside the commands: `arena --help`
# must not load them.
if TYPE_CHECKING:
    from alpha_arena.services.context import AppContext
    from alpha_arena.storage.agent_store import AgentRecord, PromptStore
    from alpha_arena.storage.model_versions import ModelVersionRecord

agent_app = typer.Typer(
    help="Trading agents: register, list, show, enable, disable, delete, decide, versions.",
    no_args_is_help=True,
)
prompt_app = typer.Typer(help="Versioned prompt templates.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
#: The LLM response cache modes (``CacheMode``'s values; a test keeps the two in step).
CacheModeName = Literal["off", "read", "write", "readwrite"]


def _pairs(values: list[str], option: str) -> dict[str, str]:
    parsed = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"{option} {item!r}: use NAME=VALUE")
        parsed[key.strip()] = value.strip()
    return parsed


@agent_app.command("add")
@one_line_errors
def add_command(
    name: str = typer.Argument(..., help="A unique name, e.g. ema-fast."),
    kind: str | None = typer.Option(
        None, "--kind", help="strategy (baselines included), llm, portfolio, selector or remote; "
        "not with --from-backtest.",
    ),
    strategy: str | None = typer.Option(None, "--strategy", help="strategy kind: its name."),
    param: list[str] = typer.Option([], "--param", help="strategy parameter NAME=VALUE."),  # noqa: B008
    provider: str | None = typer.Option(None, "--provider", help="llm kind: e.g. deepseek."),
    model: str | None = typer.Option(None, "--model", help="llm kind: the model name."),
    url: str | None = typer.Option(
        None, "--url", help="remote kind: the bot's https endpoint (http only to 127.0.0.1)."
    ),
    setting: list[str] = typer.Option(  # noqa: B008
        [], "--set", help="Any other field NAME=VALUE, e.g. leverage=2 or temperature=0.2."
    ),
    from_backtest: int | None = typer.Option(
        None, "--from-backtest", help="A stored backtest's id: a strategy agent with its "
        "strategy, parameters, symbols, timeframe, leverage and exits (--set overrides them).",
    ),
    mode: str | None = typer.Option(
        None, "--mode", help="llm kind (implied): a competition mode, the shipped prompt it "
        "trades by, e.g. situational_awareness (see `arena agent modes`).",
    ),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Register an agent (or one that trades as a stored backtest did: --from-backtest)."""
    from alpha_arena.services.agents import add_agent, add_agent_from_backtest

    settings = _pairs(setting, "--set")
    if mode is not None:
        kind = _with_mode(mode, kind, settings, from_backtest)
    if from_backtest is not None:
        options = {"--kind": kind, "--strategy": strategy, "--param": param,
                   "--provider": provider, "--model": model, "--url": url}  # fmt: skip
        given = [option for option, value in options.items() if value]
        if given:
            raise InvalidInputError(
                f"--from-backtest takes the strategy and its parameters from the backtest; "
                f"drop {', '.join(given)} (--set overrides a field)"
            )
        with app_context() as context:
            record = add_agent_from_backtest(context, name, from_backtest, dict(settings))
    else:
        if kind is None:
            raise InvalidInputError(
                "give --kind (strategy or llm, e.g. --kind strategy --strategy ema_trend) or "
                "--from-backtest ID"
            )
        values: dict[str, object] = {"kind": kind, **settings}
        if strategy is not None:
            values["strategy"] = strategy
        if param:
            values["params"] = _pairs(param, "--param")
        if provider is not None:
            values["provider"] = provider
        if model is not None:
            values["model"] = model
        if url is not None:
            values["url"] = url
        if kind == "remote":
            _add_remote(name, values, as_json)
            return
        with app_context() as context:
            record = add_agent(context, name, values)
    if as_json:
        print_json(_agent_json(record))
    else:
        console.print(
            f"registered {record.kind} agent {record.name}: {_config_text(record.config)}",
            highlight=False, markup=False,
        )  # fmt: skip


def _add_remote(name: str, values: dict[str, object], as_json: bool) -> None:
    from alpha_arena.services.remote_agents import add_remote_agent

    with app_context() as context:
        registered = add_remote_agent(context, name, values)
    record = registered.agent
    if as_json:
        print_json({**_agent_json(record), "secret": registered.secret})
        return
    console.print(
        f"registered remote agent {record.name}: {_config_text(record.config)}\n"
        f"signing secret (shown once; give it to the bot): {registered.secret}",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip


@agent_app.command("rotate-secret")
@one_line_errors
def rotate_secret_command(
    name: str = typer.Argument(..., help="A remote agent's name."), as_json: bool = JsonOption
) -> None:
    """Make a remote agent's new signing secret (printed once); the old one stops working."""
    from alpha_arena.services.remote_agents import rotate_secret

    with app_context() as context:
        rotated = rotate_secret(context, name)
    if as_json:
        print_json({"name": rotated.agent.name, "secret": rotated.secret})
        return
    console.print(
        f"new signing secret of {rotated.agent.name} (shown once; the old one no longer "
        f"works): {rotated.secret}",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip


def _with_mode(
    mode: str, kind: str | None, settings: dict[str, str], from_backtest: int | None
) -> str:
    """Set the prompt of competition mode ``mode`` in ``settings``; return the kind (llm)."""
    from alpha_arena.agents.llm.prompts import competition_mode

    chosen = competition_mode(mode)  # an unknown mode: one line naming the modes
    if from_backtest is not None or kind not in (None, "llm"):
        raise InvalidInputError(
            "--mode chooses an llm agent's prompt; use it with --provider and --model"
        )
    if "prompt" in settings:
        raise InvalidInputError("--mode sets the prompt; drop --set prompt=... or --mode")
    settings["prompt"] = chosen.prompt
    return "llm"


@agent_app.command("list")
@one_line_errors
def list_command(as_json: bool = JsonOption) -> None:
    """List the registered agents."""
    from alpha_arena.storage.agent_store import AgentStore

    with app_context() as context:
        agents = AgentStore(context.engine).all()
    if as_json:
        print_json([_agent_json(agent) for agent in agents])
        return
    table = Table("name", "kind", "enabled", "configuration", title="Agents")
    for agent in agents:
        table.add_row(agent.name, agent.kind, "yes" if agent.enabled else "no",
                      _config_text(agent.config))  # fmt: skip
    console.print(table)


@agent_app.command("show")
@one_line_errors
def show_command(name: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Show one agent's configuration and the model versions that answered its calls."""
    from alpha_arena.services.model_versions import model_versions
    from alpha_arena.storage.agent_store import AgentStore

    with app_context() as context:
        agent = AgentStore(context.engine).get(name)
        versions = model_versions(context, name)
    if as_json:
        print_json({**_agent_json(agent), "model_versions": [_version_json(v) for v in versions]})
        return
    table = Table("field", "value", title=f"Agent {agent.name}", show_header=False)
    table.add_row("kind", agent.kind)
    table.add_row("enabled", "yes" if agent.enabled else "no (joins no new season)")
    for key, value in sorted(agent.config.items()):
        if key != "kind":
            table.add_row(key, _value_text(value))
    table.add_row("registered", to_iso(agent.ts_created))
    table.add_row("changed", to_iso(agent.ts_updated))
    for number, version in enumerate(versions):  # the latest used first
        table.add_row("model versions" if number == 0 else "", _version_text(version))
    console.print(table)


@agent_app.command("versions")
@one_line_errors
def versions_command(
    agent: str | None = typer.Option(
        None, "--agent", help="Only the versions that answered this agent's calls."
    ),
    as_json: bool = JsonOption,
) -> None:
    """List the model versions that answered LLM calls (as each provider's answers named
    the model), the latest used first: a provider's silent update shows as a new version."""
    from alpha_arena.services.model_versions import model_versions

    with app_context() as context:
        versions = model_versions(context, agent)
    if as_json:
        print_json([_version_json(version) for version in versions])
        return
    title = "Model versions" + ("" if agent is None else f" that answered {agent}")
    table = Table("provider", "model", "version", "first seen", "USD per M tokens in/out",
                  "calls", "last used", title=title)  # fmt: skip
    for version in versions:
        table.add_row(
            version.provider, version.model, version.version, to_iso(version.ts_first_seen),
            _price_text(version), f"{version.calls:,}",
            "-" if version.ts_last_used is None else to_iso(version.ts_last_used),
        )  # fmt: skip
    console.print(table)


def _version_text(version: ModelVersionRecord) -> str:
    """``gpt-4o-2024-08-06 (openai gpt-4o, first seen 2026-...Z, 12 calls)``."""
    return (
        f"{version.version} ({version.provider} {version.model}, first seen "
        f"{to_iso(version.ts_first_seen)}, {version.calls:,} calls)"
    )


def _price_text(version: ModelVersionRecord) -> str:
    if version.input_usd_per_mtok is None or version.output_usd_per_mtok is None:
        return "unknown"
    return f"{version.input_usd_per_mtok:g}/{version.output_usd_per_mtok:g}"


def _version_json(version: ModelVersionRecord) -> dict[str, Any]:
    return {
        "provider": version.provider, "model": version.model, "version": version.version,
        "first_seen": to_iso(version.ts_first_seen),
        "input_usd_per_mtok": version.input_usd_per_mtok,
        "output_usd_per_mtok": version.output_usd_per_mtok, "calls": version.calls,
        "last_used": None if version.ts_last_used is None else to_iso(version.ts_last_used),
    }  # fmt: skip


def _agent_json(agent: AgentRecord) -> dict[str, Any]:
    return {
        "name": agent.name, "kind": agent.kind, "enabled": agent.enabled, "config": agent.config,
        "created": to_iso(agent.ts_created), "updated": to_iso(agent.ts_updated),
    }  # fmt: skip


def _config_text(config: dict[str, Any]) -> str:
    """``strategy=ema_trend params: fast=12 slow=26 leverage=2``: what was set, no defaults of
    None, no Python punctuation."""
    return " ".join(
        f"{key}={_value_text(value)}" if not isinstance(value, dict) else
        f"{key}: {_value_text(value)}" if value else f"{key}: none"
        for key, value in sorted(config.items())
        if key != "kind" and value is not None
    )  # fmt: skip


def _value_text(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(f"{key}={_value_text(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ",".join(_value_text(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return "-" if value is None else str(value)


def _enabled_command(enabled: bool) -> Any:
    @one_line_errors
    def command(name: str = typer.Argument(..., help="The agent's name.")) -> None:
        from alpha_arena.storage.agent_store import AgentStore

        with app_context() as context:  # what POST /agents/{name}/enable|disable does
            agent = AgentStore(context.engine).set_enabled(name, enabled, context.clock.now_ms())
        state = "enabled" if agent.enabled else "disabled: it joins no new season"
        console.print(f"agent {agent.name} is {state}", highlight=False, markup=False)

    command.__doc__ = (
        "Enable an agent again: new seasons may include it."
        if enabled
        else "Disable an agent: no new season includes it (running seasons keep it)."
    )
    return command


agent_app.command("enable")(_enabled_command(True))
agent_app.command("disable")(_enabled_command(False))


@agent_app.command("delete")
@one_line_errors
def delete_command(name: str = typer.Argument(..., help="The agent's name.")) -> None:
    """Delete an agent that never competed; one that entered a season is disabled instead."""
    from alpha_arena.services.agents import delete_agent

    with app_context() as context:  # what DELETE /agents/{name} does
        agent = delete_agent(context, name)
    console.print(f"agent {agent.name} is deleted", highlight=False, markup=False)


@agent_app.command("decide")
@one_line_errors
def decide_command(
    name: str = typer.Argument(...),
    at: str | None = typer.Option(
        None,
        "--at",
        help="UTC moment, e.g. 2025-03-01T12:00. Default: the newest moment "
        "every symbol has a closed bar for.",
    ),
    symbols: str | None = typer.Option(
        None,
        "--symbols",
        help="Comma-separated. Default: those of BTC, ETH, SOL, BNB, DOGE "
        "and XRP (USDT perpetuals) stored.",
    ),
    show_prompt: bool = typer.Option(False, "--show-prompt", help="Print the prompt (LLM)."),
    llm_cache: CacheModeName = typer.Option(  # noqa: B008
        "readwrite", "--llm-cache", help="LLM response cache: off, read, write, readwrite."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print the decision an agent makes at a moment of the stored data, from a flat account
    (what POST /agents/{name}/decide answers)."""
    from alpha_arena.agents.llm.caller import CacheMode
    from alpha_arena.services.one_off_decisions import decide_now

    chosen = None if symbols is None else [s.strip() for s in symbols.split(",") if s.strip()]
    moment = None if at is None else parse_ts(at)
    with app_context() as context:
        result = decide_now(context, name, moment, chosen, cache_mode=CacheMode(llm_cache)).result
    decision = result.decision
    if show_prompt and result.prompt is not None:
        console.print(result.prompt, highlight=False, markup=False)
    if as_json:
        print_json({
            "agent": name, "ts": to_iso(decision.ts), "reasoning": decision.reasoning,
            "valid": result.valid, "llm_calls": result.llm_calls, "cost_usd": result.cost_usd,
            "actions": [{
                "symbol": a.symbol, "signal": a.signal.value, "quantity": a.quantity,
                "notional": a.notional, "leverage": a.leverage, "take_profit": a.take_profit,
                "stop_loss": a.stop_loss, "invalidation": a.invalidation,
                "confidence": a.confidence, "justification": a.justification,
            } for a in decision.actions],
        })  # fmt: skip
        return
    table = Table("symbol", "signal", "notional", "leverage", "stop", "target", "why",
                  title=f"{name} at {to_iso(decision.ts)}")  # fmt: skip
    for a in decision.actions:
        table.add_row(
            a.symbol, a.signal.value, "-" if a.notional is None else f"{a.notional:,.2f}",
            f"{a.leverage:g}", "-" if a.stop_loss is None else f"{a.stop_loss:,.4f}",
            "-" if a.take_profit is None else f"{a.take_profit:,.4f}", a.justification,
        )  # fmt: skip
    console.print(table)
    if not decision.actions:
        console.print(decision.reasoning or "hold everything")


@agent_app.command("modes")
@one_line_errors
def modes_command(as_json: bool = JsonOption) -> None:
    """List the competition modes an llm agent can trade in (arena agent add --mode)."""
    from alpha_arena.agents.llm.prompts import MODES

    if as_json:
        print_json([{"mode": m.name, "prompt": m.prompt, "description": m.description}
                    for m in MODES.values()])  # fmt: skip
        return
    table = Table("mode", "prompt", "description", title="Competition modes")
    for m in MODES.values():
        table.add_row(m.name, m.prompt, m.description)
    console.print(table)


@prompt_app.command("list")
@one_line_errors
def prompt_list_command(as_json: bool = JsonOption) -> None:
    """List stored prompt versions (the shipped ones are stored on first use)."""
    with app_context() as context:
        prompts = _prompts(context).all()
    if as_json:
        print_json([{"name": p.name, "version": p.version, "sha256": p.sha256,
                     "description": p.description} for p in prompts])  # fmt: skip
        return
    table = Table("name", "version", "sha256", "description", title="Prompts")
    for p in prompts:
        table.add_row(p.name, str(p.version), p.sha256[:12], p.description)
    console.print(table)


@prompt_app.command("show")
@one_line_errors
def prompt_show_command(
    name: str | None = typer.Argument(None, help="Default: the shipped default prompt."),
    version: int | None = typer.Option(None, "--version", help="Default: the newest."),
) -> None:
    """Print a prompt template."""
    from alpha_arena.agents.llm.prompts import DEFAULT_PROMPT

    name = name or DEFAULT_PROMPT
    with app_context() as context:
        store = _prompts(context)
        prompt = store.latest(name) if version is None else store.version(name, version)
    console.print(f"{prompt.name} v{prompt.version} ({prompt.sha256[:12]})")
    console.print(prompt.template, highlight=False, markup=False)


@prompt_app.command("add")
@one_line_errors
def prompt_add_command(
    name: str = typer.Argument(...),
    file: Path = typer.Option(..., "--file", help="The template (system and user parts)."),  # noqa: B008
    description: str = typer.Option("", "--description"),
) -> None:
    """Store a template file as the next version of a prompt (it must parse and render)."""
    from alpha_arena.agents.llm.prompts import validate_template
    from alpha_arena.storage.agent_store import PromptStore

    try:
        template = file.read_text()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise InvalidInputError(f"cannot read {file}: {reason}") from None
    validate_template(template)
    with app_context() as context:
        prompt = PromptStore(context.engine).add(
            name, template, context.clock.now_ms(), description
        )
    console.print(f"{prompt.name} is at version {prompt.version} ({prompt.sha256[:12]})")


@prompt_app.command("rollback")
@one_line_errors
def prompt_rollback_command(
    name: str = typer.Argument(...),
    to: int = typer.Option(..., "--to", min=1, help="The version whose template comes back."),
) -> None:
    """Make an earlier version's template the newest again, as a new version.

    Versions never change, so a season pinned to another keeps what it ran."""
    with app_context() as context:
        prompt = _prompts(context).rollback(name, to, context.clock.now_ms())
    console.print(
        f"{prompt.name} is at version {prompt.version} ({prompt.sha256[:12]}): {prompt.description}"
    )


def _prompts(context: AppContext) -> PromptStore:
    """The prompt store with the shipped prompts in it (the default and the modes')."""
    from alpha_arena.services.agents import store_shipped_prompts
    from alpha_arena.storage.agent_store import PromptStore

    return store_shipped_prompts(PromptStore(context.engine), context.clock.now_ms())
