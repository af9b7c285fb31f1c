"""The largest values an architecture or a space may hold.

Beyond these a number is a typo or an attack, not an architecture: refusing it while reading
keeps every later step (sampling, shape inference, building) bounded in time and memory.
Whether an architecture within them fits in memory is decided by ``nas.cost.safe_cost``.
"""

from __future__ import annotations

MAX_CHANNELS = 65_536  #: channels of any layer (and HetConv parts, head widths)
MAX_KERNEL = 64  #: kernel size (a patchify stem's kernel is its patch side)
MAX_STRIDE = 32  #: stride
MAX_RATIO = 64.0  #: expansion ratios and width multipliers
MAX_GHOST_RATIO = 64  #: Ghost ratio
MAX_DEPTH = 256  #: blocks a search-space stage may repeat
MAX_BLOCKS = 2_048  #: blocks of a whole network
MAX_RESOLUTION = 4_096  #: input height and width
MAX_IN_CHANNELS = 1_024  #: input image channels
MAX_CLASSES = 1_000_000  #: classes
MAX_FILE_BYTES = 1 << 20  #: size of an architecture or space YAML file
MAX_YAML_DEPTH = 64  #: nesting of YAML collections
