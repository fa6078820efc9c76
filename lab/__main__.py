"""Entry point for `python -m lab`."""
import sys

from .cli import main

sys.exit(main())
