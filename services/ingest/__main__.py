"""`python -m services.ingest`: the ingest HTTP service."""

import sys

from services.ingest.app import main

sys.exit(main())
