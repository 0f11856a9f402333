"""Linli (邻里): a Telegram assistant for neighbourhood group chats."""
