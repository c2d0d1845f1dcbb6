"""mnistkit: the support package behind the exercises (data, step list, checks, pytest plugin).

Nothing here imports TensorFlow at import time; modules that need it import it themselves,
so that steps 1 and 2 and the grader stay fast.
"""

from pathlib import Path

__version__ = "0.1.0"

# The kit's root: the folder holding exercises/, solutions/, tests/ and grader.py.
KIT_ROOT = Path(__file__).resolve().parent.parent
