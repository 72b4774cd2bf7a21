"""PII masking: the stage of the request path that keeps unmasked PII away from every model."""

import os

# The PII models' matrix products run on numpy's OpenBLAS (model_ner.numpy_blas). They are
# small, and a second OpenBLAS thread spins beside the caller's thread: on a busy machine (the
# daemon's own llama.cpp threads, or any other work) the strict profile's analysis of a
# 1,500-character text took 300 ms with two threads against 110 ms with one. OpenBLAS reads
# this when numpy loads, which importing this package comes before unless the caller loaded
# numpy already (the daemon sets it first thing too: cli.main). A setting of the caller's own
# wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
