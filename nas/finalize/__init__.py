"""Finalisation: train a study's chosen architectures with the full recipe and record their
test accuracy in the study.

:mod:`~nas.finalize.select` answers which trials, :mod:`~nas.finalize.claims` who trains each
one (a finalisation trial per job, race-free across processes and hosts), and
:mod:`~nas.finalize.run` the loop that trains them with :func:`nas.train.full.train_full`.
"""
