"""Hyperliquid's signatures, checked the way Hyperliquid checks them: by recovering the address
that signed and looking it up (an account's own wallet, or the API wallet its key belongs to).

An L1 action (order, cancel, updateLeverage, ...) is signed as EIP-712 typed data
``Agent(source, connectionId)`` in the domain ``Exchange``/1/chain 1337, where ``connectionId``
is the keccak of the msgpack'd action, the nonce (8 bytes) and the vault flag, and ``source`` is
"a" on mainnet and "b" on the testnet. A user-signed action (approveBuilderFee) is the action's
own fields as ``HyperliquidTransaction:<Name>`` in the domain ``HyperliquidSignTransaction``,
chain 421614. The encoding is CCXT's bundled one (msgpack, EIP-712, keccak): the server checks
with the client's primitives, but recovers with coincurve (a CCXT dependency), so a signature
made with another key, for the other chain or over other fields recovers another address."""

from __future__ import annotations

from typing import Any

import coincurve
from ccxt.base.exchange import Exchange

_ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_AGENT_TYPES = {
    "Agent": [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}]
}
#: The fields of each user-signed action, in their signed order.
USER_SIGNED = {
    "approveBuilderFee": [
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "maxFeeRate", "type": "string"},
        {"name": "builder", "type": "address"},
        {"name": "nonce", "type": "uint64"},
    ],
}


class BadSignature(Exception):  # noqa: N818 - the exchange's answer, not a bug
    """The signature is not one a key could have made (malformed)."""


def _keccak(data: bytes) -> bytes:
    return bytes(Exchange.hash(data, "keccak", "binary"))


def address_of(private_key: str) -> str:
    """The lower-case 0x address of a hex private key."""
    key = coincurve.PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))
    return "0x" + _keccak(key.public_key.format(compressed=False)[1:])[-20:].hex()


def _recover(message: bytes, signature: Any) -> str:
    try:
        r = bytes.fromhex(str(signature["r"]).removeprefix("0x").rjust(64, "0"))
        s = bytes.fromhex(str(signature["s"]).removeprefix("0x").rjust(64, "0"))
        v = int(signature["v"])
        if v not in (27, 28) or len(r) != 32 or len(s) != 32:
            raise ValueError("v must be 27 or 28, r and s 32 bytes")
        public = coincurve.PublicKey.from_signature_and_message(
            r + s + bytes([v - 27]), _keccak(message), hasher=None
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BadSignature(str(error)) from None
    return "0x" + _keccak(public.format(compressed=False)[1:])[-20:].hex()


def l1_signer(
    action: dict[str, Any], nonce: int, vault: str | None, signature: Any, testnet: bool,
    expires_after: int | None = None,
) -> str:  # fmt: skip
    """The address that signed ``action`` for the testnet (or mainnet)."""
    data = bytes(Exchange.packb(action)) + int(nonce).to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault.removeprefix("0x"))
    if expires_after is not None:
        data += b"\x00" + int(expires_after).to_bytes(8, "big")
    agent = {"source": "b" if testnet else "a", "connectionId": _keccak(data)}
    domain = {"chainId": 1337, "name": "Exchange", "verifyingContract": _ZERO_ADDRESS,
              "version": "1"}  # fmt: skip
    return _recover(Exchange.eth_encode_structured_data(domain, _AGENT_TYPES, agent), signature)


def user_signer(action: dict[str, Any], signature: Any) -> str:
    """The address that signed the user-signed ``action`` (its fields, not a hash of them)."""
    fields = USER_SIGNED[str(action["type"])]
    message = {field["name"]: action[field["name"]] for field in fields}
    name = str(action["type"])
    types = {f"HyperliquidTransaction:{name[0].upper()}{name[1:]}": fields}
    chain = int(str(action.get("signatureChainId") or "0x66eee"), 16)
    domain = {"chainId": chain, "name": "HyperliquidSignTransaction",
              "verifyingContract": _ZERO_ADDRESS, "version": "1"}  # fmt: skip
    return _recover(Exchange.eth_encode_structured_data(domain, types, message), signature)
