"""Trading on a real exchange account through CCXT: ``client.connect`` builds an account's
client (its keys; testnet or demo trading unless the account is a mainnet one) and
``errors.translate`` turns CCXT's exceptions into ours. Nothing is imported here, so that
importing one part does not load CCXT for the others."""
