"""What every feature's services share: running one service per update (`runner`), its
environment (`env`), polite refusals (`errors`), the outbox helpers (`messages`), who is acting
(`actors`) and community on/off settings (`switches`)."""
