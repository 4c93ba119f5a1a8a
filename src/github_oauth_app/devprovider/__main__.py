"""Run the development provider: ``python -m github_oauth_app.devprovider``."""

import sys

from . import main

sys.exit(main())
