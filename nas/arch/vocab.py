"""Every name an architecture can use, declared once.

Configs, the block notation, validation, the search-space parser and the sampler all read
these tuples; nothing else spells a family, activation or option value.
"""

from __future__ import annotations

#: Block families, i.e. the values of ``BlockConfig.kind`` (rules per family: ``families.py``).
FAMILIES = ("conv", "pool", "basic", "bneck", "ghost", "reshet", "cnx", "down", "patch", "hsstem")
#: Families a search space may generate a stage from (the others are stems and transitions).
STAGE_FAMILIES = ("conv", "basic", "bneck", "ghost", "reshet", "cnx")
#: Activations a block or head may use.
ACTIVATIONS = ("relu", "hswish", "gelu", "silu", "none")
#: Channel attention of a block.
ATTENTIONS = ("none", "se", "eca")
#: Deformable convs of a conv block: DCNv2 (``dc``) or the low-cost one (``ldc``).
DEFORMS = ("none", "dc", "ldc")
#: Shortcut level of a stage: each block's own residual only, or also one over the stage.
SHORTCUTS = ("block", "stage")
#: Norm of the classifier head.
HEAD_NORMS = ("none", "bn", "ln")
#: Transition families (downsampling layers between stages): a stage-level shortcut starts
#: after a stage's leading transition block, as ConvNeXt's starts after its downsampling layer.
TRANSITIONS = ("down", "pool")
#: Stems a search space may choose: a conv (plain or deformable), HSNet's, ConvNeXt's patchify.
STEM_KINDS = ("conv", "dc", "ldc", "hsstem", "patch")
#: Stem kinds built as a conv block (they take a kernel).
CONV_STEMS = ("conv", "dc", "ldc")

#: Notation token -> activation (``bneck_k3_c16_hs``).
ACT_TOKENS = {"re": "relu", "hs": "hswish", "ge": "gelu", "si": "silu", "id": "none"}
#: Activation -> notation token.
ACT_NAMES = {name: token for token, name in ACT_TOKENS.items()}

#: ``BlockConfig`` fields that are options a family may or may not accept (``families.py``).
OPTIONS = ("expand", "hidden", "part", "ghost", "factorize", "attn", "act", "deform")
