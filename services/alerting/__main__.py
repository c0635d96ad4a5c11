"""`python -m services.alerting`: consume shipments.screened.v1, raise alerts, serve the API."""

import sys

from services.alerting.app import main

sys.exit(main())
