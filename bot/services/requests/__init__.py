"""Requests (点单), from filing to rating: one module per step of the closed loop.

intake / filing / details   where a request comes from, how it is filed, details added later
claim                       接单 and 派单: claim, assign, decline, release
finish                      progress, 办结 (done), 核查 (confirm, also automatic), points and 晒单
reopen / cancel / rating    not solved, cancelled, 评价
corrections                 staff fix the category or building triage read
step / pick / notify        how a command or button reaches a step; who is told what
access / cards / views      finding a request and who may act; cards per chat; /history /mine /open /overdue

States and allowed steps: `storage/request_states.py`.
"""
