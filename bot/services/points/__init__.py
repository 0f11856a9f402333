"""Points (积分): the entries a feature posts to the ledger (`ledger`) and what a person sees (`balance`).

Every change of a balance goes through `storage/repositories/points.py`: `post` appends one entry
with a unique idempotency key, and a debit is `balance >= cost`-conditional."""
