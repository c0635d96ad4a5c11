"""`python -m services.enrichment`."""

import sys

from services.enrichment.app import main

if __name__ == "__main__":
    sys.exit(main())
