import sys

from etl_project.orchestration.cli import main

sys.exit(main())
