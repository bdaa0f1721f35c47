"""The points ledger: integer amounts moved between accounts by balanced journal entries.

It knows nothing of residents, rules, Telegram or HTTP; `rewards` is its only caller.
"""
