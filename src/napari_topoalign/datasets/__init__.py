"""Built-in data: the digits sample, the MiniLM words sample (shipped) and synthetic representation pairs with planted structure."""

from .digits import DIGITS_MAPPER_PARAMS, DIGITS_NAMES, load_digits_sample
from .minilm import MINILM_MAPPER_PARAMS, MINILM_NAMES, load_minilm_sample
from .planted import PlantedTruth, make_planted_graphs

__all__ = [
    "load_digits_sample",
    "DIGITS_NAMES",
    "DIGITS_MAPPER_PARAMS",
    "load_minilm_sample",
    "MINILM_NAMES",
    "MINILM_MAPPER_PARAMS",
    "make_planted_graphs",
    "PlantedTruth",
]
