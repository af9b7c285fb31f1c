"""Finalisation: train a study's chosen architectures with the full recipe and record their
test accuracy in the study.

:mod:`~nas.finalizing.select` answers which trials, :mod:`~nas.finalizing.claims` who trains each
one (a finalisation trial per job, race-free across processes and hosts), and
:mod:`~nas.finalizing.run` the loop that trains them with :func:`nas.training.full.train_full`.
"""
