"""Sequence diagrams of Engine API exchanges: the model (`model.py`) and its SVG drawing (`svg.py`)."""

from hellotrace.diagram.model import (
    Arrow,
    Diagram,
    PlannedCall,
    RegistryCall,
    Section,
    arrow_for_exchange,
    plan_sections,
    planned_arrows,
    registry_calls,
    strip_prefix,
)
from hellotrace.diagram.svg import arrow_sentence, render_svg

__all__ = [
    "Arrow",
    "Diagram",
    "PlannedCall",
    "RegistryCall",
    "Section",
    "arrow_for_exchange",
    "arrow_sentence",
    "plan_sections",
    "planned_arrows",
    "registry_calls",
    "render_svg",
    "strip_prefix",
]
