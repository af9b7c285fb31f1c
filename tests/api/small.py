"""The small space and tiny proxy training the library tests search with (seconds per study)."""

SPACE = """\
name: small
input: dataset
classes: dataset
stem: {kind: [conv], channels: [8, 12]}
stages:
  - {family: [conv, reshet], depth: [1], channels: [16, 24, 32], stride: 2}
head: {hidden: [null]}
"""
DATA = "synthetic:1x8x8:4:128"
#: The same tiny proxy training, as the library's keyword options and as command-line words.
API_OPTIONS = dict(dataset=DATA, epochs=1, train_subset=64, val_size=32, batch_size=32, jobs=1, threads=1,
                   no_progress=True, prescreen=0)
CLI_OPTIONS = ["--dataset", DATA, "--epochs", "1", "--train-subset", "64", "--val-size", "32", "--batch-size", "32",
               "--jobs", "1", "--threads", "1", "--no-progress", "--prescreen", "0"]
