"""Signals: sentiment, moderation and escalation of a message, each with reasons.

>>> from replyassist.signals import SignalAnalyzer, SignalSettings
>>> analyzer = SignalAnalyzer(SignalSettings(escalate_at=3))
>>> # analyzer.analyze(texts, vectors, languages, channels=..., histories=...) -> list[Signals]
"""
from __future__ import annotations

from .analyzer import ChannelRule, SignalAnalyzer, Signals, SignalSettings
from .escalation import ACTIONS, LEVELS, Escalation
from .moderation import ModerationResult, Moderator
from .sentiment import SentimentResult, TransformersSentiment, VectorSentiment

__all__ = ["SignalAnalyzer", "SignalSettings", "ChannelRule", "Signals", "SentimentResult", "ModerationResult",
           "Escalation", "VectorSentiment", "TransformersSentiment", "Moderator", "LEVELS", "ACTIONS"]
