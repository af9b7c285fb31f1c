"""The search-space DSL: space files -> typed specs -> sampled architecture configs."""

from nas.space.parse import load_space, parse_space
from nas.space.sample import RandomChooser, sample_config
from nas.space.space import DimInfo, SearchSpace
from nas.space.spec import Dim, SpaceSpec

__all__ = ["Dim", "DimInfo", "RandomChooser", "SearchSpace", "SpaceSpec", "load_space", "parse_space", "sample_config"]
