"""The points shop (积分超市): staff keep the rewards (`rewards`), people browse (`catalogue`) and
redeem them (`redeem`), merchants hand them over (`fulfil`); pending redemptions are cancelled or
expire with a refund (`refund`). Points move only through the ledger (storage/repositories/points.py)."""
